import Foundation
import Testing
import Tensor
import TestSupport

/// softmax(QKᵀ·scale + causal mask)·V computed with unfused ops: the reference the fused kernel
/// must match.
func referenceAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool) -> Tensor {
    let t = q.shape[2], dh = q.shape[3]
    var scores = q.matmul(k, transposeB: true) * (1 / Foundation.sqrt(Float(dh)))
    if causal {
        var mask = [Float](repeating: 0, count: t * t)
        for i in 0..<t { for j in (i + 1)..<max(t, i + 1) { mask[i * t + j] = -1e9 } }
        scores = scores + Tensor(shape: [t, t], scalars: mask)
    }
    return scores.softmax().matmul(v)
}

@Suite struct AttentionTests {
    // 64 and 136: rows a whole number of vectors apart, the causal softmax's four-row path (and,
    // at 136, a ragged last block of 8 rows).
    @Test(arguments: [(5, true), (70, true), (70, false), (130, true), (64, true), (136, true)])
    func matchesUnfusedReference(_ c: (Int, Bool)) {
        let (t, causal) = c
        let q = randn([2, 3, t, 8], seed: 60), k = randn([2, 3, t, 8], seed: 61), v = randn([2, 3, t, 8], seed: 62)
        let fused = scaledDotProductAttention(query: q, key: k, value: v, causal: causal)
        expectClose(fused.scalars, referenceAttention(q, k, v, causal: causal).scalars, tol: 2e-5)
    }

    @Test(arguments: [3, 67, 72])  // 67: more than one 64-row block, last block ragged; 72: four-row softmax
    func gradientsBHTD(_ t: Int) {
        let q = randn([1, 2, t, 4], seed: 63), k = randn([1, 2, t, 4], seed: 64), v = randn([1, 2, t, 4], seed: 65)
        gradCheck([q, k, v], maxElements: 120) { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2]) }
        gradCheck([q, k, v], maxElements: 60) { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], causal: false) }
    }

    @Test func fusedQKVMatchesSplitHeads() {
        let (b, t, h, dh) = (2, 67, 3, 4)
        let c = h * dh
        let qkv = randn([b, t, 3 * c], seed: 66)
        let fused = causalSelfAttention(qkv: qkv, heads: h)
        let parts = qkv.split([c, c, c], axis: 2).map { $0.reshaped([b, t, h, dh]).permuted([0, 2, 1, 3]) }
        let ref = scaledDotProductAttention(query: parts[0], key: parts[1], value: parts[2])
            .permuted([0, 2, 1, 3]).reshaped([b, t, c])
        expectClose(fused.scalars, ref.scalars, tol: 1e-5)
        gradCheck([randn([1, 66, 3 * c], seed: 67)], maxElements: 150) { causalSelfAttention(qkv: $0[0], heads: h) }
    }

    @Test func firstTokenAttendsOnlyToItself() {
        let q = randn([1, 1, 4, 2], seed: 68), k = randn([1, 1, 4, 2], seed: 69), v = randn([1, 1, 4, 2], seed: 70)
        let out = scaledDotProductAttention(query: q, key: k, value: v)
        expectClose(Array(out.scalars[0..<2]), Array(v.scalars[0..<2]))
    }
}
