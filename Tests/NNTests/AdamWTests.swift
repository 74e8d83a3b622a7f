import Foundation
import NN
import RunSchema
import Tensor
import Testing

/// AdamW's 8-lane loop against the scalar formula it replaced: the same operations in the same
/// order per element, so every parameter and moment must match bit for bit, including the ragged
/// ends of entries whose sizes are not multiples of 8, over several steps with per-entry scales.
@Suite struct AdamWTests {
    @Test func vectorLoopMatchesTheScalarFormulaBitForBit() {
        let model = GPT(GPTConfig(vocabSize: 13, contextLength: 8, dModel: 12, nLayer: 2, nHead: 3))
        var rng = RandomState(seed: 3)
        model.initialize(rng: &rng)
        let arena = ParameterArena(model) { p in
            OptimizerScale(lr: p.name.hasSuffix("bias") ? 0.5 : 1, weightDecay: 2, eps: p.name.contains("ln") ? 3 : 1)
        }
        #expect(arena.entries.contains { $0.count % 8 != 0 })
        var h = AdamW.Hyperparameters()
        h.decay = [.weight, .embedding]
        let adam = AdamW(arena, h)
        var p = Array(arena.values.buffer), m = [Float](repeating: 0, count: arena.count), v = m
        var gen = SystemRandomNumberGenerator()
        for step in 1...3 {
            let g = (0..<arena.count).map { _ in Float.random(in: -2...2, using: &gen) }
            for i in 0..<arena.count { arena.grads.pointer[i] = g[i] }
            let lr: Float = 3e-3 * Float(step)
            adam.update(lr: lr)
            let c1 = 1 - Float(Foundation.pow(Double(h.beta1), Double(step)))
            let c2 = 1 - Float(Foundation.pow(Double(h.beta2), Double(step)))
            let invSqrtC2 = 1 / c2.squareRoot()
            for e in arena.entries {
                let groupLR = lr * e.scale.lr, groupEps = h.eps * e.scale.eps
                let decay: Float = h.decay.contains(e.kind) ? 1 - groupLR * (h.weightDecay * e.scale.weightDecay) : 1
                let stepSize = groupLR / c1
                for i in e.offset..<(e.offset + e.count) {
                    m[i] = h.beta1 * m[i] + (1 - h.beta1) * g[i]
                    v[i] = h.beta2 * v[i] + (1 - h.beta2) * g[i] * g[i]
                    p[i] = p[i] * decay - stepSize * m[i] / (v[i].squareRoot() * invSqrtC2 + groupEps)
                }
            }
            #expect(Array(arena.values.buffer) == p, "parameters after step \(step)")
            #expect(Array(adam.m.buffer) == m && Array(adam.v.buffer) == v, "moments after step \(step)")
        }
    }
}
