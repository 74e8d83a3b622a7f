import Foundation
import Tensor
import Testing

/// The libxsmm path of `BLAS.sgemm`: which products it takes (the rule measured by
/// Scripts/gemm-shapes.c), and that those products are right (against a float64 reference), with
/// strided operands and both β.
@Suite struct SmallGEMMTests {
    @Test func theAVX512RuleTakesTheMeasuredWinsOnly() {
        func routes(_ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int, alpha: Float = 1, beta: Float = 0) -> Bool {
            SmallGEMM.routes(transA: tA, transB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta, vectorBits: 512)
        }
        // A linear layer's three products at d 16 and d 64 (M = 1024): all taken, the forward X·Wᵀ
        // through a transposed copy of W.
        for d in [16, 64] {
            for (inF, outF) in [(d, 3 * d), (d, d), (d, 4 * d), (4 * d, d)] {
                #expect(routes(false, true, 1024, outF, inF), "forward d \(d)")
                #expect(routes(false, false, 1024, inF, outF), "dX d \(d)")
                #expect(routes(true, false, outF, inF, 1024, beta: 1), "dW d \(d)")
            }
        }
        // d 256 (M = 4096): outputs ≤ 256 wide taken; 768 or 1024 wide, and dW over 4096 rows, not.
        #expect(routes(false, true, 4096, 256, 1024))
        #expect(!routes(false, true, 4096, 768, 256))
        #expect(!routes(false, false, 4096, 1024, 256))
        // 512 wide over 128 inputs (d 128's MLP up-projection): NN taken, NT (the forward) not.
        #expect(routes(false, false, 4096, 512, 128))
        #expect(!routes(false, true, 4096, 512, 128))
        #expect(!routes(true, false, 256, 256, 4096))
        // Attention's per-head products (head dim 16, block 64): taken; an 8-wide TN output: not.
        #expect(routes(false, true, 64, 128, 16))
        #expect(routes(false, false, 64, 16, 128))
        #expect(routes(true, false, 128, 16, 64, beta: 1))
        #expect(!routes(true, false, 64, 8, 64, beta: 1))
        // Head dim 64 against 256 keys (medium): Q·Kᵀ over 64 rows and the 256 × 64 dV: not.
        #expect(!routes(false, true, 64, 256, 64))
        #expect(!routes(true, false, 256, 64, 64, beta: 1))
        #expect(routes(false, true, 64, 64, 64))
        // A transposed B under 64 rows (the copy does not pay), α ≠ 1, β outside {0, 1}, TT: OpenBLAS.
        #expect(!routes(false, true, 32, 64, 64))
        #expect(!routes(false, false, 1024, 64, 64, alpha: 0.5))
        #expect(!routes(false, false, 1024, 64, 64, beta: 0.5))
        #expect(!routes(true, true, 64, 64, 64))
    }

    @Test func theAVX2RuleIsNarrower() {
        func routes(_ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int, bits: Int = 256) -> Bool {
            SmallGEMM.routes(transA: tA, transB: tB, m: m, n: n, k: k, alpha: 1, beta: 0, vectorBits: bits)
        }
        // d 32 (M = 1024): forward, dX and dW taken.
        #expect(routes(false, true, 1024, 128, 32))
        #expect(routes(false, false, 1024, 32, 128))
        #expect(routes(true, false, 128, 32, 1024))
        // d 64's wider products and dW, d 128's, and attention's short-reduction TN: OpenBLAS.
        #expect(!routes(false, true, 1024, 256, 64))
        #expect(!routes(true, false, 192, 64, 1024))
        #expect(!routes(false, false, 4096, 128, 384))
        #expect(!routes(true, false, 128, 16, 64))
        // No AVX2: nothing.
        #expect(!routes(false, false, 1024, 32, 128, bits: 0))
    }

    @Test func thePathIsBuiltInOnX86() {
        #if arch(x86_64)
        #expect(SmallGEMM.enabled == (ProcessInfo.processInfo.environment["WINDTUNNEL_SMALL_GEMM"] != "off"))
        #endif
    }

    /// C = op(A)·op(B) + β·C through `BLAS.sgemm`, compared with a float64 loop, for products the
    /// AVX-512 and AVX2 rules route (NN, TN, and NT through the transposed copy), operands inside
    /// larger row strides.
    @Test(arguments: [(false, false, 512, 48, 200), (true, false, 96, 64, 1000), (false, false, 300, 40, 33),
                      (false, true, 256, 96, 32), (false, true, 64, 100, 16), (false, true, 128, 45, 27)])
    func routedProductsAreRight(_ c: (transA: Bool, transB: Bool, m: Int, n: Int, k: Int)) {
        let (transA, transB, m, n, k) = c
        let pad = 3
        let (aRows, aCols) = transA ? (k, m) : (m, k)
        let (bRows, bCols) = transB ? (n, k) : (k, n)
        let lda = aCols + pad, ldb = bCols + pad, ldc = n + pad
        var rng = SystemRandomNumberGenerator()
        let a = (0..<(aRows * lda)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<(bRows * ldb)).map { _ in Float.random(in: -1...1, using: &rng) }
        let c0 = (0..<(m * ldc)).map { _ in Float.random(in: -1...1, using: &rng) }
        for beta: Float in [0, 1] {
            var out = c0
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in out.withUnsafeMutableBufferPointer { cp in
                BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: ap.baseAddress!, lda: lda,
                           b: bp.baseAddress!, ldb: ldb, beta: beta, c: cp.baseAddress!, ldc: ldc)
            } } }
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var s = Double(beta) * Double(c0[i * ldc + j]), scale = abs(s)
                    for p in 0..<k {
                        let term = Double(transA ? a[p * lda + i] : a[i * lda + p])
                            * Double(transB ? b[j * ldb + p] : b[p * ldb + j])
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

    /// A linear layer's forward with `rowBias`: every row of C starts as the bias, whichever way a
    /// 2-thread product is split (rows of a tall one, columns of a wide one) and when k = 0.
    @Test(arguments: [(1024, 96, 64), (40, 2048, 64), (7, 5, 0)])
    func rowBiasSeedsEveryBlock(_ c: (m: Int, n: Int, k: Int)) {
        let (m, n, k) = c
        Threads.configure(2)
        var rng = SystemRandomNumberGenerator()
        let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let w = (0..<(n * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let bias = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
        var out = [Float](repeating: .nan, count: m * n)
        a.withUnsafeBufferPointer { ap in w.withUnsafeBufferPointer { wp in bias.withUnsafeBufferPointer { bp in
            out.withUnsafeMutableBufferPointer { cp in
                BLAS.sgemm(transA: false, transB: true, m: m, n: n, k: k, a: ap.baseAddress!, lda: max(k, 1),
                           b: wp.baseAddress!, ldb: max(k, 1), c: cp.baseAddress!, ldc: n, rowBias: bp.baseAddress!)
            }
        } } }
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var s = Double(bias[j]), scale = abs(s)
                for p in 0..<k { let t = Double(a[i * k + p]) * Double(w[j * k + p]); s += t; scale += abs(t) }
                worst = max(worst, abs(Double(out[i * n + j]) - s) / scale)
            }
        }
        #expect(worst < 2e-6, "\(m)×\(n)×\(k): worst relative error \(worst)")
    }
}
