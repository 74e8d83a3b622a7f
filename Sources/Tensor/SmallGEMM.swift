#if canImport(CSmallGEMM)
import CSmallGEMM
#endif
import Foundation

/// The small-product path: libxsmm's JIT kernels (no packing, no β pass) for the products of a
/// training step where `Scripts/gemm-shapes.c` measured them faster than OpenBLAS on one thread
/// (alternating, median of 15, each result checked against OpenBLAS first; the measurements are
/// in Benchmarks/gemm-shapes, tabulated by `summarize.py` there). libxsmm 1.17 has no kernel for
/// a transposed row-major B, so an NT product (a linear layer's forward X·Wᵀ, attention's Q·Kᵀ)
/// copies B transposed into per-thread scratch first; the measurement includes that copy.
///
/// Which products win depends on the vector width, so there is one rule per width (libxsmm's
/// code generation follows the CPU, or LIBXSMM_TARGET):
/// - AVX-512 (SkylakeX kernels in OpenBLAS): libxsmm wins nearly every product of the sizes
///   sweeps train — 1.1–2.4× at d 16–64 (M = 1024), 1.0–1.2× for the NN/NT products at d 128–256
///   (M = 4096) with output width ≤ 256 (NN: ≤ 512 over a short inner dimension), 1.0–2.3× on
///   attention's per-head products (head dim 12–64). It loses dW over ≥ 2048 rows (0.2–0.5×),
///   outputs wider than 512, TN products with an 8-wide output, and head dim 64 against 256 keys
///   where the product is NT or a TN output of more than 8192 entries (0.8–0.98×).
/// - AVX2 (measured with OpenBLAS's Haswell kernels and LIBXSMM_TARGET=hsw on the AVX-512 VM):
///   the margins are smaller — 1.1–1.9× at d 16–32, ≈ 1 or worse from d 64 — so only products
///   with output width ≤ 128 over an inner dimension ≤ 256, and dW of at most 4096 entries over
///   256–1024 rows, go to libxsmm.
/// Only α = 1 and β ∈ {0, 1}, the cases libxsmm supports (attention applies its score scale in
/// the softmax and in dS for that reason). `WINDTUNNEL_SMALL_GEMM=off` turns the path off (A/B
/// timing); where libxsmm is not built in (non-x86 hosts) everything goes to OpenBLAS. The rule
/// is a pure function of the shape and the CPU, so a run and its resume take the same path.
public enum SmallGEMM {
    /// Whether the path is compiled in and not switched off.
    public static let enabled: Bool = {
        #if canImport(CSmallGEMM)
        return ProcessInfo.processInfo.environment["WINDTUNNEL_SMALL_GEMM"] != "off" && vectorBits >= 256
        #else
        return false
        #endif
    }()

    /// The vector width libxsmm generates code for here (0 where it is not built in).
    public static let vectorBits: Int = {
        #if canImport(CSmallGEMM)
        return Int(wt_small_gemm_vector_bits())
        #else
        return 0
        #endif
    }()

    /// The measured rule: does libxsmm take this product (on a CPU of the given vector width)?
    @inline(__always)
    public static func routes(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                              vectorBits: Int = SmallGEMM.vectorBits) -> Bool {
        guard alpha == 1, beta == 0 || beta == 1, !(transA && transB) else { return false }
        if vectorBits >= 512 {
            // TN over a short reduction (attention's dV, dK) loses once the output passes 8192
            // entries (head dim 64 against 256 keys: 0.96×).
            if transA { return k <= 1024 && m <= 512 && n >= 12 && n <= 256 && (k >= 256 || m * n <= 8192) }
            // NT pays for its copy of B over enough rows of A: from 256 rows, or from 64 rows
            // when B is small (head dim 64 against 256 keys, 64 rows: 0.8×); and not for a
            // 512-wide output (0.87–0.9×, where NN still wins).
            if transB { return (m >= 256 || (m >= 64 && n * k <= 8192)) && n <= 256 && k <= 1024 }
            return (n <= 256 && k <= 1024) || (n <= 512 && k <= 256)
        }
        if vectorBits >= 256 {
            if transA { return k >= 256 && k <= 1024 && m * n <= 4096 && n >= 12 }
            guard !transB || m >= 64 else { return false }
            return n <= 128 && k <= 256
        }
        return false
    }

    /// Runs a product `routes` accepted; false (C untouched) when libxsmm has no kernel for it.
    @inline(__always)
    static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        #if canImport(CSmallGEMM)
        return wt_small_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), a, Int32(lda), b, Int32(ldb),
                              beta, c, Int32(ldc)) == 1
        #else
        return false
        #endif
    }
}
