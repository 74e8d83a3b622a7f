import Foundation
import NN
import RunSchema
import Tensor
import Testing
import TestSupport

/// μP and CompleteP (NN/Parametrization.swift): identity at the proxy size, the multipliers in
/// the optimizer's groups and the init, and exact gradients with every forward multiplier on.
@Suite struct ParametrizationTests {
    static let variants: [GPTConfig] = [
        tinyConfig(),
        tinyConfig { $0.activation = .swiglu; $0.norm = .rmsnorm; $0.positional = .rope; $0.tieEmbeddings = false; $0.bias = false },
        tinyConfig { var m = MoEConfig(numExperts: 4, topK: 2); m.sharedExperts = 1; $0.moe = m },
    ]

    static func with(_ c: GPTConfig, _ kind: Parametrization, baseWidth: Int? = nil, baseDepth: Int? = nil) -> GPTConfig {
        var c = c
        c.parametrization = kind
        c.baseWidth = baseWidth ?? c.dModel
        c.baseDepth = baseDepth ?? c.nLayer
        return c
    }

    struct Trained {
        let logits: [Float]
        let after: [Float]
    }

    /// Init from seed 5, logits of a batch, then one AdamW step (with weight decay on every
    /// kind, so the decay multiplier is exercised too) on that batch's loss.
    static func oneStep(_ config: GPTConfig) -> Trained {
        let model = GPT(config)
        var rng = RandomState(seed: 5)
        model.initialize(rng: &rng)
        let arena = ParameterArena(model, scale: model.optimizerScale)
        var h = AdamW.Hyperparameters()
        h.decay = Set(ParameterKind.allCases)
        let adam = AdamW(arena, h)
        let ids = Indices(shape: [2, 8], values: (0..<16).map { Int32($0 * 7 % 11) })
        let targets = Indices(shape: [2, 8], values: (0..<16).map { Int32($0 * 3 % 11) })
        var ctx = ForwardContext(training: true)
        let logits = model.logits(ids, context: &ctx).scalars
        arena.zeroGrad()
        var ctx2 = ForwardContext(training: true)
        model.loss(ids, targets: targets, context: &ctx2).total.backward()
        adam.update(lr: 1e-2)
        return Trained(logits: logits, after: Array(UnsafeBufferPointer(start: arena.values.pointer, count: arena.count)))
    }

    @Test(arguments: variants)
    func baseSizeReproducesSPExactly(_ config: GPTConfig) {
        let sp = Self.oneStep(config)
        for kind in [Parametrization.mup, .completep] {
            let p = Self.oneStep(Self.with(config, kind))
            #expect(p.logits == sp.logits, "\(kind) logits")
            #expect(p.after == sp.after, "\(kind) parameters after one step")
        }
    }

    static func scales(_ c: GPTConfig) -> [String: OptimizerScale] {
        let model = GPT(c)
        return Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, model.optimizerScale($0)) })
    }

    @Test func multipliersLandInTheOptimizerGroups() {
        let moe = tinyConfig { $0.dModel = 32; $0.nLayer = 4; $0.moe = MoEConfig(numExperts: 4, topK: 2) }
        // μP at 2× width: hidden and router lr halve; embeddings, norms and biases keep theirs.
        let mup = Self.scales(Self.with(moe, .mup, baseWidth: 16, baseDepth: 2))
        #expect(mup["blocks.0.attn.qkv.weight"] == OptimizerScale(lr: 0.5))
        #expect(mup["blocks.1.attn.proj.weight"] == OptimizerScale(lr: 0.5))
        #expect(mup["blocks.0.moe.experts.fc.weight"] == OptimizerScale(lr: 0.5))
        #expect(mup["blocks.0.moe.router.weight"] == OptimizerScale(lr: 0.5))
        for unit in ["wte.weight", "wpe.weight", "lnf.weight", "blocks.0.ln1.bias", "blocks.0.attn.qkv.bias"] {
            #expect(mup[unit] == .unit, "\(unit)")
        }
        // CompleteP at 2× width and 2× depth: hidden decay ×m_N, ε ÷(m_N·m_L); block vectors ε ÷m_L.
        let cp = Self.scales(Self.with(moe, .completep, baseWidth: 16, baseDepth: 2))
        #expect(cp["blocks.0.mlp.fc.weight"] == nil)
        #expect(cp["blocks.3.moe.experts.proj.weight"] == OptimizerScale(lr: 0.5, weightDecay: 2, eps: 0.25))
        #expect(cp["blocks.0.attn.qkv.weight"] == OptimizerScale(lr: 0.5, weightDecay: 2, eps: 0.25))
        #expect(cp["blocks.0.moe.router.weight"] == OptimizerScale(lr: 0.5, weightDecay: 2, eps: 0.5))
        #expect(cp["blocks.0.ln2.weight"] == OptimizerScale(eps: 0.5))
        #expect(cp["wte.weight"] == .unit && cp["lnf.bias"] == .unit)
        #expect(Self.scales(moe).values.allSatisfy { $0 == .unit })  // SP
    }

    /// Adam's first step moves every coordinate by lr·g/(|g|+ε) ≈ lr: the effective lr of a
    /// hidden matrix at 2× width is half under μP, an embedding's is unchanged.
    @Test func effectiveLearningRateOfAHiddenMatrixHalvesAtTwiceTheWidth() {
        let c = Self.with(tinyConfig { $0.dModel = 32 }, .mup, baseWidth: 16)
        let model = GPT(c)
        var rng = RandomState(seed: 1)
        model.initialize(rng: &rng)
        let arena = ParameterArena(model, scale: model.optimizerScale)
        var h = AdamW.Hyperparameters()
        h.weightDecay = 0
        let adam = AdamW(arena, h)
        let before = arena.entries.map { $0.tensor.scalars }
        let ids = Indices(shape: [2, 8], values: (0..<16).map { Int32($0 % 11) })
        var ctx = ForwardContext(training: true)
        model.loss(ids, targets: ids, context: &ctx).total.backward()
        adam.update(lr: 1e-3)
        func maxStep(_ name: String) -> Float {
            let i = arena.entries.firstIndex { $0.name == name }!
            return zip(arena.entries[i].tensor.scalars, before[i]).map { abs($0 - $1) }.max()!
        }
        #expect(abs(maxStep("blocks.0.mlp.fc.weight") - 0.5e-3) < 1e-5)
        #expect(abs(maxStep("wte.weight") - 1e-3) < 2e-5)
    }

    @Test func initialisationScalesWithWidthAndKeepsTheProxyDepthFactor() {
        func std(_ t: Tensor) -> Double {
            let v = t.scalars.map(Double.init), m = v.reduce(0, +) / Double(v.count)
            return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
        }
        func stds(_ c: GPTConfig) -> [String: Double] {
            let model = GPT(c)
            var rng = RandomState(seed: 1)
            model.initialize(rng: &rng)
            return Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, std($0.tensor)) })
        }
        let base = GPTConfig(vocabSize: 64, contextLength: 32, dModel: 128, nLayer: 8, nHead: 4)
        // μP at 4× width (base 32), depth as GPT-2: hidden σ/2, residual σ/√16/2, wte σ.
        let mup = stds(Self.with(base, .mup, baseWidth: 32))
        #expect(abs(mup["blocks.0.attn.qkv.weight"]! - 0.01) < 0.001)
        #expect(abs(mup["blocks.3.mlp.proj.weight"]! - 0.02 / 4 / 2) < 0.0003)
        #expect(abs(mup["wte.weight"]! - 0.02) < 0.002)
        // CompleteP at 4× depth (base 2): residual projections keep the proxy's σ/√(2·2).
        let cp = stds(Self.with(base, .completep, baseWidth: 128, baseDepth: 2))
        #expect(abs(cp["blocks.3.attn.proj.weight"]! - 0.02 / 2) < 0.001)
        #expect(abs(cp["blocks.3.attn.qkv.weight"]! - 0.02) < 0.002)
    }

    /// Every parameter of a GPT away from its proxy size, so that the output multiplier, the
    /// 1/d_head attention scale and the residual-branch multiplier are all in the graph.
    @Test(arguments: [
        with(tinyConfig { $0.nLayer = 2; $0.contextLength = 5; $0.initStd = 0.1 }, .mup, baseWidth: 8),
        with(tinyConfig { $0.nLayer = 2; $0.contextLength = 5; $0.initStd = 0.1; $0.activation = .swiglu
            $0.norm = .rmsnorm; $0.positional = .rope; $0.tieEmbeddings = false; $0.bias = false }, .completep, baseWidth: 8, baseDepth: 1),
    ])
    func gradientsUnderTheParametrisation(_ config: GPTConfig) {
        let model = GPT(config)
        #expect(model.parametrization.outputMultiplier == 0.5 && model.parametrization.attentionScale != nil)
        var rng = RandomState(seed: 2)
        model.initialize(rng: &rng)
        let ids = Indices(shape: [2, 5], values: [1, 4, 2, 9, 0, 3, 3, 7, 10, 5])
        let targets = Indices(shape: [2, 5], values: [4, 2, 9, 0, 6, 3, 7, 10, 5, 1])
        for p in model.namedParameters() {
            gradCheck([p.tensor], step: 1e-3, atol: 5e-4, rtol: 2e-2, maxElements: 40) { _ in
                var ctx = ForwardContext(training: true)
                return model.loss(ids, targets: targets, context: &ctx).total
            }
        }
    }
}
