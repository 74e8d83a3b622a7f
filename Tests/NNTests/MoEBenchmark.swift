import Foundation
import NN
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

    @Test func layerForwardBackward() {
        let d = 256, dFF = 1024, tokens = 16 * 256
        let dense = FeedForward(dModel: d, dFF: dFF, activation: .gelu, bias: true)
        var config = MoEConfig(numExperts: 8, topK: 2)
        config.dExpert = dFF / 2
        let moe = MixtureOfExperts(dModel: d, dFF: dFF, config: config, activation: .gelu, bias: true)
        Self.initialize(dense, seed: 1)
        Self.initialize(moe, seed: 1)
        let x = randn([tokens, d], seed: 7)
        x.requiresGrad = true
        let g = randn([tokens, d], seed: 8)
        func step(_ f: (Tensor, inout ForwardContext) -> Tensor, _ aux: () -> Tensor?) {
            var ctx = ForwardContext(training: true)
            x.grad = nil
            var loss = (f(x, &ctx) * g).sum()
            if let a = aux() { loss = loss + a }
            loss.backward()
        }
        let t = medianSecondsSideBySide(rounds: 7, repeats: 2, [
            { step({ dense.forward($0, context: &$1) }, { nil }) },
            { step({ moe.forward($0, context: &$1) }, { moe.auxiliaryLoss }) },
        ])
        print(String(format: "MoE layer fwd+bwd (%d tokens, d %d, E 8 top-2 d_expert %d) / dense (d_ff %d): %.2fx  (dense %.2f ms, moe %.2f ms, %d threads)",
                     tokens, d, dFF / 2, dFF, t[1] / t[0], t[0] * 1e3, t[1] * 1e3, Threads.count))
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
