import COpenBLAS

/// The one door to OpenBLAS (and, for the small products it measured faster on, libxsmm:
/// SmallGEMM.swift): row-major single-precision GEMM, C = α·op(A)·op(B) + β·C.
/// Transposes are flags, never copies; leading dimensions let callers address strided sub-matrices
/// (a head's slice of a fused qkv buffer) in place.
public enum BLAS {
    /// With `rowBias` (n floats; β must be 0) every row of C starts as the bias and the product
    /// accumulates onto it, C = α·op(A)·op(B) + 1·biasᵀ: a linear layer's forward. Each block of
    /// a split product seeds its own rows right before its GEMM, on its own thread, instead of the
    /// caller writing all of C first.
    @inline(__always)
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
        rowBias: UnsafePointer<Float>? = nil
    ) {
        if m == 0 || n == 0 { return }
        precondition(rowBias == nil || beta == 0, "BLAS.sgemm: rowBias needs beta 0")
        if k == 0 {
            if let rowBias { seed(c, ldc: ldc, m: m, n: n, rowBias: rowBias); return }
            // BLAS leaves C·β alone when k = 0 but some builds skip the β scaling; be explicit.
            for i in 0..<m { let row = c + i * ldc; for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] } }
            return
        }
        let threads = Threads.count
        if Threads.blasThreading == .own && threads > 1 && !Threads.inParallelRegion
            && Double(m) * Double(n) * Double(k) >= splitThreshold && max(m, n) >= 2 * minSplit {
            if max(m, n) >= 2 * min(m, n) || min(m, n) < squareThreshold
                || Double(m) * Double(n) * Double(k) < squareMinMACs {
                split(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: c, ldc: ldc, rowBias: rowBias)
            } else {
                // Big square-ish products share packed panels best inside OpenBLAS's own threading
                // (2 cores, n = 512: two independent half products reach 42–50 GFLOP/s, OpenBLAS
                // ~60, even from C with pthreads). Its workers then spin ~0.1 s and steal cores
                // from our next kernels, so only products big enough to pay for that go there;
                // training products are mostly tall (M = B·T) and stay ours.
                Threads.withOpenBLASThreads {
                    call(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                         beta: beta, c: c, ldc: ldc, rowBias: rowBias, singleThreaded: false)
                }
            }
            return
        }
        call(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
             beta: beta, c: c, ldc: ldc, rowBias: rowBias)
    }

    /// Rows 0..<m of C (n wide) := the bias.
    @inline(__always)
    static func seed(_ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, rowBias: UnsafePointer<Float>) {
        for i in 0..<m { (c + i * ldc).update(from: rowBias, count: n) }
    }

    /// Below this many multiply-adds one thread does the whole product.
    static let splitThreshold = 1.0e6
    /// Smallest block of rows or columns a thread gets (keeps OpenBLAS's micro-kernels busy).
    static let minSplit = 32
    /// Square-ish products with both sides at least this large use OpenBLAS's threading.
    static let squareThreshold = 512
    /// ... and at least this many multiply-adds (keeps e.g. [768, 128]·[128, 512] ours).
    static let squareMinMACs = 512.0 * 512.0 * 512.0

    /// With `.own` threading, OpenBLAS runs single-threaded and a tall product (one side at least
    /// twice the other: the activations of a batch, M = B·T) is split over our threads into blocks
    /// along its long side, each block one `cblas_sgemm`: one pool for everything, so no OpenBLAS
    /// worker spins while our kernels run, and results do not depend on what other threads do.
    static func split(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, rowBias: UnsafePointer<Float>?) {
        if m >= n {
            parallelFor(m, grain: minSplit) { rows in
                let i0 = rows.lowerBound
                call(transA: transA, transB: transB, m: rows.count, n: n, k: k, alpha: alpha,
                     a: transA ? a + i0 : a + i0 * lda, lda: lda, b: b, ldb: ldb, beta: beta, c: c + i0 * ldc, ldc: ldc,
                     rowBias: rowBias)
            }
        } else {
            parallelFor(n, grain: minSplit) { cols in
                let j0 = cols.lowerBound
                call(transA: transA, transB: transB, m: m, n: cols.count, k: k, alpha: alpha,
                     a: a, lda: lda, b: transB ? b + j0 * ldb : b + j0, ldb: ldb, beta: beta, c: c + j0, ldc: ldc,
                     rowBias: rowBias.map { $0 + j0 })
            }
        }
    }

    @inline(__always)
    static func call(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, rowBias: UnsafePointer<Float>? = nil,
                     singleThreaded: Bool = true) {
        var beta = beta
        if let rowBias { seed(c, ldc: ldc, m: m, n: n, rowBias: rowBias); beta = 1 }
        // Small products where libxsmm measured faster (SmallGEMM.swift), on the calling thread:
        // not where OpenBLAS is meant to use its own threads.
        if singleThreaded && SmallGEMM.enabled
            && SmallGEMM.routes(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta)
            && (Threads.blasThreading == .own || Threads.count == 1 || Threads.inParallelRegion)
            && SmallGEMM.run(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                             beta: beta, c: c, ldc: ldc) {
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The OpenBLAS build string (core type, threading) for benchmark reports.
    public static var configuration: String { String(cString: openblas_get_config()) }
}
