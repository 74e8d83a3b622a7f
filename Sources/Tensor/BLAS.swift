import COpenBLAS

/// The one door to OpenBLAS: row-major single-precision GEMM, C = α·op(A)·op(B) + β·C.
/// Transposes are flags, never copies; leading dimensions let callers address strided sub-matrices
/// (a head's slice of a fused qkv buffer) in place.
public enum BLAS {
    @inline(__always)
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C·β alone when k = 0 but some builds skip the β scaling; be explicit.
            for i in 0..<m { let row = c + i * ldc; for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] } }
            return
        }
        let threads = Threads.count
        if Threads.blasThreading == .own && threads > 1 && !Threads.inParallelRegion
            && Double(m) * Double(n) * Double(k) >= splitThreshold && max(m, n) >= 2 * minSplit {
            split(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                  beta: beta, c: c, ldc: ldc)
            return
        }
        call(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
             beta: beta, c: c, ldc: ldc)
    }

    /// Below this many multiply-adds one thread does the whole product.
    static let splitThreshold = 1.0e6
    /// Smallest block of rows or columns a thread gets (keeps OpenBLAS's micro-kernels busy).
    static let minSplit = 32

    /// With `.own` threading, OpenBLAS runs single-threaded and a product is split over our
    /// threads along the larger of M and N (each block one `cblas_sgemm` on its rows or columns of
    /// C): one pool for everything, so no OpenBLAS worker spins while our kernels run, and
    /// results do not depend on what other threads are doing.
    static func split(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m >= n {
            parallelFor(m, grain: minSplit) { rows in
                let i0 = rows.lowerBound
                call(transA: transA, transB: transB, m: rows.count, n: n, k: k, alpha: alpha,
                     a: transA ? a + i0 : a + i0 * lda, lda: lda, b: b, ldb: ldb, beta: beta, c: c + i0 * ldc, ldc: ldc)
            }
        } else {
            parallelFor(n, grain: minSplit) { cols in
                let j0 = cols.lowerBound
                call(transA: transA, transB: transB, m: m, n: cols.count, k: k, alpha: alpha,
                     a: a, lda: lda, b: transB ? b + j0 * ldb : b + j0, ldb: ldb, beta: beta, c: c + j0, ldc: ldc)
            }
        }
    }

    @inline(__always)
    static func call(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The OpenBLAS build string (core type, threading) for benchmark reports.
    public static var configuration: String { String(cString: openblas_get_config()) }
}
