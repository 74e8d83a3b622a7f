#if canImport(Glibc)
import Glibc
#endif

/// Subnormal floats (below 1.2e-38) are flushed to zero on every thread that runs our kernels or
/// OpenBLAS's (x86: MXCSR flush-to-zero and denormals-are-zero). On x86 an operation on a subnormal
/// takes a microcode assist of ~100 cycles: a run whose attention probabilities or gradients
/// underflow (large learning rates do it) was measured training 7× slower (d256 L2, lr 8e-3:
/// 400–480 tok/s vs 3.1 k at lr 2e-3, 98% of the time in the sgemm kernel). A subnormal is < 1e-38
/// of the values it is summed with, so flushing changes no result a float32 can tell apart;
/// PyTorch offers the same switch (`torch.set_flush_denormal`), oneDNN sets it.
enum Denormals {
    /// Sets FTZ and DAZ for the calling thread (a no-op where the platform has no such mode).
    static func flushToZeroOnThisThread() {
        #if arch(x86_64) && canImport(Glibc)
        var env = fenv_t()
        guard fegetenv(&env) == 0 else { return }
        let ftzDaz: UInt32 = 0x8040  // MXCSR bit 15 (FTZ) and bit 6 (DAZ)
        if env.__mxcsr & ftzDaz != ftzDaz {
            env.__mxcsr |= ftzDaz
            _ = fesetenv(&env)
        }
        #endif
    }
}
