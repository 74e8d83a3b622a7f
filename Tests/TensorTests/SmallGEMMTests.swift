import Foundation
import Tensor
import Testing

/// The libxsmm path of `BLAS.sgemm`: which products it takes (the rule measured by
/// Scripts/gemm-shapes.c), and that those products are right (against a float64 reference), with
/// strided operands and both β.
@Suite struct SmallGEMMTests {
    @Test func theRuleTakesTheMeasuredWinsOnly() {
        // dX = dY·W at d 64 and d 128: taken.
        #expect(SmallGEMM.routes(transA: false, transB: false, m: 1024, n: 64, k: 256, alpha: 1, beta: 0))
        #expect(SmallGEMM.routes(transA: false, transB: false, m: 4096, n: 128, k: 512, alpha: 1, beta: 0))
        // dW = dYᵀ·X over 1024 rows: taken; over 4096 rows libxsmm is slower: not.
        #expect(SmallGEMM.routes(transA: true, transB: false, m: 256, n: 64, k: 1024, alpha: 1, beta: 1))
        #expect(!SmallGEMM.routes(transA: true, transB: false, m: 128, n: 128, k: 4096, alpha: 1, beta: 0))
        // X·Wᵀ (no libxsmm kernel), α ≠ 1, β outside {0, 1}, a head-sized output: OpenBLAS.
        #expect(!SmallGEMM.routes(transA: false, transB: true, m: 1024, n: 64, k: 64, alpha: 1, beta: 0))
        #expect(!SmallGEMM.routes(transA: false, transB: false, m: 1024, n: 64, k: 64, alpha: 0.5, beta: 0))
        #expect(!SmallGEMM.routes(transA: false, transB: false, m: 1024, n: 64, k: 64, alpha: 1, beta: 0.5))
        #expect(!SmallGEMM.routes(transA: false, transB: false, m: 64, n: 16, k: 64, alpha: 1, beta: 0))
    }

    @Test func thePathIsBuiltInOnX86() {
        #if arch(x86_64)
        #expect(SmallGEMM.enabled == (ProcessInfo.processInfo.environment["WINDTUNNEL_SMALL_GEMM"] != "off"))
        #endif
    }

    /// C = op(A)·op(B) + β·C through `BLAS.sgemm`, compared with a float64 loop, for products the
    /// rule routes (NN and TN), operands inside larger row strides.
    @Test(arguments: [(false, 512, 48, 200), (true, 96, 64, 1000), (false, 300, 40, 33)])
    func routedProductsAreRight(_ c: (transA: Bool, m: Int, n: Int, k: Int)) {
        let (transA, m, n, k) = c
        let pad = 3
        let (aRows, aCols) = transA ? (k, m) : (m, k)
        let lda = aCols + pad, ldb = n + pad, ldc = n + pad
        var rng = SystemRandomNumberGenerator()
        let a = (0..<(aRows * lda)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<(k * ldb)).map { _ in Float.random(in: -1...1, using: &rng) }
        let c0 = (0..<(m * ldc)).map { _ in Float.random(in: -1...1, using: &rng) }
        for beta: Float in [0, 1] {
            var out = c0
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in out.withUnsafeMutableBufferPointer { cp in
                BLAS.sgemm(transA: transA, transB: false, m: m, n: n, k: k, a: ap.baseAddress!, lda: lda,
                           b: bp.baseAddress!, ldb: ldb, beta: beta, c: cp.baseAddress!, ldc: ldc)
            } } }
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var s = Double(beta) * Double(c0[i * ldc + j]), scale = abs(s)
                    for p in 0..<k {
                        let term = Double(transA ? a[p * lda + i] : a[i * lda + p]) * Double(b[p * ldb + j])
                        s += term
                        scale += abs(term)
                    }
                    // Relative to Σ|terms|: a float32 sum's rounding error scales with it, not with |s|.
                    worst = max(worst, abs(Double(out[i * ldc + j]) - s) / scale)
                }
                // Padding columns of C are never written.
                for j in n..<ldc { #expect(out[i * ldc + j] == c0[i * ldc + j]) }
            }
            #expect(worst < 2e-6, "transA \(transA) \(m)×\(n)×\(k) β \(beta): worst relative error \(worst)")
        }
    }
}
