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
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The OpenBLAS build string (core type, threading) for benchmark reports.
    public static var configuration: String { String(cString: openblas_get_config()) }
}
