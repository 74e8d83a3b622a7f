#if canImport(CSmallGEMM)
import CSmallGEMM
#endif
import Foundation

/// The small-product path: libxsmm's JIT kernels (no packing, no β pass) for the products of a
/// training step where `Scripts/gemm-shapes.c` measured them faster than OpenBLAS, one thread,
/// alternating, each result checked against OpenBLAS first (README "Performance"):
/// - dX = dY·W (NN) with output width 32–512 and inner dimension ≤ 512: 1.2–1.5× at d 64
///   (M = 1024), 1.1–1.2× at d 128 (M = 4096);
/// - dW = dYᵀ·X (TN) with both output sides ≤ 512 and a reduction over ≤ 1024 rows: 1.0–1.5× at
///   d 64; at 4096 rows libxsmm 1.17 runs at a third of OpenBLAS's speed, so those stay;
/// - X·Wᵀ (NT): libxsmm 1.17 generates no kernel with a transposed A, so OpenBLAS.
/// Only α = 1 and β ∈ {0, 1}, the cases libxsmm supports. Attention's per-head products (output
/// width = the head dimension, often 16) were not measured and stay with OpenBLAS.
/// `WINDTUNNEL_SMALL_GEMM=off` turns the path off (A/B timing); where libxsmm is not built in
/// (non-x86 hosts) everything goes to OpenBLAS.
public enum SmallGEMM {
    /// Whether the path is compiled in and not switched off.
    public static let enabled: Bool = {
        #if canImport(CSmallGEMM)
        return ProcessInfo.processInfo.environment["WINDTUNNEL_SMALL_GEMM"] != "off"
        #else
        return false
        #endif
    }()

    /// The measured rule: does libxsmm take this product?
    @inline(__always)
    public static func routes(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float) -> Bool {
        guard alpha == 1, beta == 0 || beta == 1, !transB else { return false }
        if transA { return m <= 512 && n >= 32 && n <= 512 && k <= 1024 }
        return m >= 256 && n >= 32 && n <= 512 && k <= 512
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
