import Foundation
import NN
import RunSchema
import Tensor
import Testing

/// The cached forward (KVCache.swift) must give the training forward's logits at every position,
/// for each architecture family and parametrisation, whether tokens arrive as one chunk or one
/// at a time.
@Suite struct KVCacheTests {
    /// Every parameter (norm weights and biases included) drawn at random, so each weight matters.
    static func randomModel(_ config: GPTConfig, seed: UInt64 = 3) -> GPT {
        let model = GPT(config)
        var rng = RandomState(seed: seed)
        Tensor.noGrad {
            for p in model.namedParameters() {
                let noise = Tensor.randn(p.tensor.shape, std: 0.4, rng: &rng)
                p.tensor.assign(p.kind == .norm && !p.name.hasSuffix("bias") ? noise + 1 : noise)
            }
        }
        return model
    }

    static let configs: [(String, GPTConfig)] = [
        ("gpt2", GPTConfig(vocabSize: 13, contextLength: 12, dModel: 16, nLayer: 2, nHead: 2)),
        ("llama", {
            var c = GPTConfig(vocabSize: 13, contextLength: 12, dModel: 16, nLayer: 2, nHead: 4)
            c.positional = .rope; c.norm = .rmsnorm; c.activation = .swiglu; c.bias = false; c.tieEmbeddings = false
            return c
        }()),
        ("moe", {
            var c = GPTConfig(vocabSize: 13, contextLength: 12, dModel: 16, nLayer: 2, nHead: 2)
            c.positional = .rope; c.norm = .rmsnorm; c.activation = .swiglu
            var moe = MoEConfig(numExperts: 4, topK: 2)
            moe.sharedExperts = 1
            c.moe = moe
            return c
        }()),
        ("completep", {
            var c = GPTConfig(vocabSize: 13, contextLength: 12, dModel: 32, nLayer: 3, nHead: 2)
            c.parametrization = .completep; c.baseWidth = 16; c.baseDepth = 1
            return c
        }()),
    ]

    static func fullLogits(_ model: GPT, _ ids: [Int32]) -> Tensor {
        Tensor.noGrad {
            var context = ForwardContext(training: false)
            return model.logits(Indices(shape: [1, ids.count], values: ids), context: &context)
        }
    }

    @Test(arguments: configs.map(\.0))
    func cachedLogitsEqualTheFullForwardAtEveryPosition(_ name: String) {
        let config = Self.configs.first { $0.0 == name }!.1
        let model = Self.randomModel(config)
        let ids: [Int32] = (0..<config.contextLength).map { Int32(($0 * 5 + 3) % config.vocabSize) }
        let full = Self.fullLogits(model, ids)
        let v = config.vocabSize

        // A 5-token prefill, then one token at a time up to the full context.
        let cache = model.makeCache()
        var rows = [model.logits(appending: Array(ids[..<5]), cache: cache)]
        for t in 5..<ids.count { rows.append(model.logits(appending: [ids[t]], cache: cache)) }
        #expect(cache.length == ids.count)
        let cached = rows.flatMap { $0.scalars }
        #expect(cached.count == ids.count * v)
        var worst: Float = 0
        for (a, b) in zip(cached, full.scalars) { worst = max(worst, abs(a - b) / max(1, abs(b))) }
        #expect(worst <= 1e-5, "\(name): largest logit difference \(worst)")

        // Reset reuses the buffers for a new sequence.
        cache.reset()
        let again = model.logits(appending: ids, cache: cache)
        var worstAgain: Float = 0
        for (a, b) in zip(again.scalars, full.scalars) { worstAgain = max(worstAgain, abs(a - b) / max(1, abs(b))) }
        #expect(worstAgain <= 1e-5, "\(name) after reset: \(worstAgain)")
    }

    @Test func theMultipliersAreExercised() {
        let rules = GPT(Self.configs[3].1).parametrization
        #expect(rules.outputMultiplier != nil && rules.residualMultiplier != nil && rules.attentionScale != nil)
    }
}
