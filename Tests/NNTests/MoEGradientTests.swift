import Foundation
import NN
import RunSchema
import Tensor
import Testing
import TestSupport

/// Finite-difference gradient checks through the whole mixture of experts: router, top-k gates,
/// expert MLPs, shared experts, the balancing losses, capacity dropping, and a GPT built with
/// MoE blocks. Top-k selection is piecewise constant, so every check first asserts that the
/// inputs sit away from ties and then that no ±h perturbation changed any token's choice.
@Suite struct MoEGradientTests {
    static let step: Float = 1e-3

    /// Balancing coefficients large enough that their gradients are well above the check's
    /// absolute tolerance.
    static let base: MoEConfig = {
        var c = MoEConfig(numExperts: 4, topK: 2)
        c.auxLossCoef = 0.5; c.zLossCoef = 0.05
        return c
    }()

    @Test(arguments: [
        MoECase("softmax top-2 gelu", seed: 21, std: 0.4, base: base),
        MoECase("softmax top-1 (Switch)", seed: 22, std: 0.4, base: base) { $0.topK = 1 },
        MoECase("swiglu no bias", .swiglu, bias: false, seed: 24, std: 0.4, base: base),
        MoECase("sigmoid top-2", seed: 25, std: 0.4, base: base) { $0.routerScoring = .sigmoid },
        MoECase("sigmoid top-1", .swiglu, seed: 26, std: 0.4, base: base) { $0.routerScoring = .sigmoid; $0.topK = 1 },
        MoECase("granularity 2", seed: 37, std: 0.4, base: base) { $0.granularity = 2 },
        MoECase("shared experts", .swiglu, seed: 27, std: 0.4, base: base) { $0.sharedExperts = 2 },
        MoECase("capacity dropping", seed: 28, std: 0.4, base: base) { $0.capacityFactor = 0.75 },
        MoECase("bias balancing", seed: 30, std: 0.4, base: base) { $0.balancing = .bias },
        MoECase("unnormalised gates", bias: false, seed: 31, std: 0.4, base: base) { $0.normalizeGates = false; $0.numExperts = 3 },
    ])
    func layerGradients(_ c: MoECase) throws {
        let (moe, name, seed) = (c.layer(), c.name, c.seed)
        if moe.config.balancing == .bias {
            moe.expertBias.assign(Tensor(shape: [4], scalars: [0.2, -0.1, 0, 0.05]))
        }
        let x = randn([7, 8], seed: seed + 100)
        let chosen = routing(moe, x)
        #expect(routingMargin(moe, x) > 5e-3, "\(name): inputs too close to a top-k tie")
        if moe.config.capacityFactor != nil {
            _ = evalForward(moe, x)
            #expect(moe.lastStats!.dropRate > 0, "\(name): nothing dropped")
        }

        var stable = true
        gradCheck([x] + moe.namedParameters().map(\.tensor), step: Self.step, atol: 1e-3, rtol: 2e-2, maxElements: 80) { _ in
            stable = stable && routing(moe, x) == chosen
            let y = trainForward(moe, x)
            guard let aux = moe.auxiliaryLoss else { return y }
            return Tensor.concat([y.reshaped([-1]), aux.reshaped([1])], axis: 0)
        }
        #expect(stable, "\(name): a perturbation changed the routing")
        _ = trainForward(moe, x)
        #expect(moe.auxiliaryLoss != nil)

        // The balancing losses alone, so their gradient is not lost in the output's.
        gradCheck([x, moe.router.weight], step: Self.step, atol: 2e-4, rtol: 2e-2) { _ in
            stable = stable && routing(moe, x) == chosen
            _ = trainForward(moe, x)
            return moe.auxiliaryLoss!
        }
        #expect(stable, "\(name): a perturbation changed the routing")
    }

    /// Router choices of every MoE block of `model` for `ids`, by re-running the blocks' parts.
    static func routerChoices(_ model: GPT, _ ids: Indices) -> (choices: [[Int32]], margin: Float, logits: Tensor) {
        Tensor.noGrad {
            let t = ids.shape[1]
            var x = model.wte(ids)
            if let wpe = model.wpe { x = x + wpe(Indices(shape: [t], values: (0..<Int32(t)).map { $0 })) }
            var choices: [[Int32]] = [], margin = Float.infinity
            for block in model.blocks {
                let h = x + block.attn(block.ln1(x))
                let u = block.ln2(h)
                if let moe = block.ffn as? MixtureOfExperts {
                    choices.append(routing(moe, u))
                    margin = min(margin, routingMargin(moe, u))
                }
                var ctx = ForwardContext(training: false)
                x = h + block.ffn.forward(u, context: &ctx)
            }
            let logits = model.lnf(x).linear(weight: model.lmHead?.weight ?? model.wte.weight, bias: nil)
            return (choices, margin, logits)
        }
    }

    /// Every parameter of small GPTs with MoE blocks, loss = cross-entropy + balancing losses.
    /// Two models between them cover a dense block before an MoE block, capacity dropping, the
    /// auxiliary and z losses, and (LLaMA-style) sigmoid scores, fine-grained and shared experts
    /// and bias-steered selection.
    @Test(arguments: [
        GPTConfig.moeCheck(seed: 4) {
            $0.nLayer = 2; $0.moe!.everyNLayers = 2; $0.moe!.capacityFactor = 1
        },
        GPTConfig.moeCheck(seed: 30, expertBias: [0.03, -0.02, 0, 0.01, -0.01, 0.02, 0, -0.03]) {
            $0.activation = .swiglu; $0.norm = .rmsnorm; $0.positional = .rope; $0.tieEmbeddings = false; $0.bias = false
            $0.moe!.topK = 1; $0.moe!.routerScoring = .sigmoid; $0.moe!.granularity = 2; $0.moe!.sharedExperts = 1
            $0.moe!.balancing = .bias
        },
    ])
    func gradientsOfAWholeModel(_ check: MoEModelCheck) {
        let model = GPT(check.config)
        var rng = RandomState(seed: check.seed)
        model.initialize(rng: &rng)
        for block in model.blocks {
            if let moe = block.ffn as? MixtureOfExperts, let bias = check.expertBias {
                moe.expertBias.assign(Tensor(shape: [bias.count], scalars: bias))
            }
        }
        let ids = Indices(shape: [2, 5], values: [1, 4, 2, 9, 0, 3, 3, 7, 10, 5])
        let targets = Indices(shape: [2, 5], values: [4, 2, 9, 0, 6, 3, 7, 10, 5, 1])
        let base = Self.routerChoices(model, ids)
        var eval = ForwardContext(training: false)
        expectClose(base.logits.scalars, Tensor.noGrad { model.logits(ids, context: &eval) }.scalars, tol: 1e-6)
        #expect(base.margin > 5e-3, "inputs too close to a top-k tie: margin \(base.margin)")
        #expect(!base.choices.isEmpty)
        for case let moe as MixtureOfExperts in model.blocks.map(\.ffn) where moe.config.capacityFactor != nil {
            #expect(moe.lastStats!.dropRate > 0, "capacity drops nothing")
        }

        var stable = true
        for p in model.namedParameters() {
            gradCheck([p.tensor], step: Self.step, atol: 5e-4, rtol: 2e-2, maxElements: 30) { _ in
                stable = stable && Self.routerChoices(model, ids).choices == base.choices
                var ctx = ForwardContext(training: true)
                return model.loss(ids, targets: targets, context: &ctx).total
            }
        }
        #expect(stable, "a perturbation changed the routing")
    }
}

struct MoEModelCheck: Sendable, CustomTestStringConvertible {
    var config: GPTConfig
    var seed: UInt64
    /// Selection bias preset in every MoE block (balancing = bias).
    var expertBias: [Float]?
    var testDescription: String { "seed \(seed), \(config.nLayer) layers, \(config.activation)" }
}

extension GPTConfig {
    /// A one-layer model with init_std 0.1 and balancing losses large enough to check.
    static func moeCheck(seed: UInt64, expertBias: [Float]? = nil, _ edit: (inout GPTConfig) -> Void) -> MoEModelCheck {
        var c = GPTConfig(vocabSize: 11, contextLength: 5, dModel: 16, nLayer: 1, nHead: 2)
        c.initStd = 0.1
        var m = MoEConfig(numExperts: 4, topK: 2)
        m.auxLossCoef = 0.1; m.zLossCoef = 0.01
        c.moe = m
        edit(&c)
        return MoEModelCheck(config: c, seed: seed, expertBias: expertBias)
    }
}
