import Foundation
import NN
import RunSchema
import Tensor
import Testing
import TestSupport

/// Side-by-side cost of a mixture of experts against the dense MLP of equal *active* FLOPs
/// (the acceptance: d 256, E 8, top-2, d_expert = d_ff/2 vs dense d_ff = 4·d). Prints
/// ratios, asserts nothing about time. Off by default; run with
/// `WINDTUNNEL_MOE_BENCH=1 swift test -c release --filter MoEBenchmark`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["WINDTUNNEL_MOE_BENCH"] == "1"))
struct MoEBenchmark {
    static func initialize(_ m: any Module, seed: UInt64) {
        for (i, p) in m.namedParameters().enumerated() {
            p.tensor.assign(randn(p.tensor.shape, seed: seed + UInt64(i), std: 0.02))
        }
    }

    /// Dense d_ff 1024 against E 8 top-2 d_expert 512 (the acceptance case) and its fine-grained
    /// split (granularity 4: 32 experts of width 128, top-8), at two token counts.
    @Test(arguments: [4096, 1024])
    func layerForwardBackward(tokens: Int) {
        let d = 256, dFF = 1024
        let dense = FeedForward(dModel: d, dFF: dFF, activation: .gelu, bias: true)
        var config = MoEConfig(numExperts: 8, topK: 2)
        config.dExpert = dFF / 2
        var fine = MoEConfig(numExperts: 8, topK: 2)
        fine.granularity = 4
        fine.dExpert = dFF / 8
        let moe = MixtureOfExperts(dModel: d, dFF: dFF, config: config, activation: .gelu, bias: true)
        let fineMoE = MixtureOfExperts(dModel: d, dFF: dFF, config: fine, activation: .gelu, bias: true)
        Self.initialize(dense, seed: 1)
        Self.initialize(moe, seed: 1)
        Self.initialize(fineMoE, seed: 1)
        let x = randn([tokens, d], seed: 7)
        x.requiresGrad = true
        let g = randn([tokens, d], seed: 8)
        func step(_ layer: any FeedForwardLayer) {
            var ctx = ForwardContext(training: true)
            x.grad = nil
            var loss = (layer.forward(x, context: &ctx) * g).sum()
            if let a = layer.auxiliaryLoss { loss = loss + a }
            loss.backward()
        }
        let t = medianSecondsSideBySide(rounds: 7, repeats: 2, [{ step(dense) }, { step(moe) }, { step(fineMoE) }])
        print(String(format: "fwd+bwd of one layer, %d tokens, d %d, %d threads: MoE E 8 top-2 d_expert %d / dense d_ff %d = %.2fx; fine-grained (32 experts top-8, width %d) / dense = %.2fx  (dense %.1f ms)",
                     tokens, d, Threads.count, dFF / 2, dFF, t[1] / t[0], dFF / 8, t[2] / t[0], t[0] * 1e3))
    }

    @Test func gptTrainingStep() {
        var dense = GPTConfig(vocabSize: 256, contextLength: 256, dModel: 256, nLayer: 6, nHead: 8)
        dense.dropout = 0
        var sparse = dense
        var m = MoEConfig(numExperts: 8, topK: 2)
        m.dExpert = dense.feedForwardWidth / 2
        sparse.moe = m
        let models = [GPT(dense), GPT(sparse)]
        for model in models { var rng = RandomState(seed: 3); model.initialize(rng: &rng) }
        let (b, t) = (8, 256)
        var rng = RandomState(seed: 5)
        let ids = Indices(shape: [b, t], values: (0..<(b * t)).map { _ in Int32(rng.nextInt(below: 256)) })
        let targets = Indices(shape: [b, t], values: (0..<(b * t)).map { _ in Int32(rng.nextInt(below: 256)) })
        func step(_ model: GPT) {
            for p in model.namedParameters() { p.tensor.grad = nil }
            var ctx = ForwardContext(training: true)
            model.loss(ids, targets: targets, context: &ctx).total.backward()
        }
        let s = medianSecondsSideBySide(rounds: 7, repeats: 1, [{ step(models[0]) }, { step(models[1]) }])
        print(String(format: "GPT step d 256 L 6 T 256 B 8, MoE (E 8 top-2 d_expert %d) / dense: %.2fx  (dense %.1f ms, moe %.1f ms, %d threads)",
                     dense.feedForwardWidth / 2, s[1] / s[0], s[0] * 1e3, s[1] * 1e3, Threads.count))
    }
}
