import Foundation
import NN
import RunSchema
import Tensor
import Testing
import TestSupport

func tinyConfig(_ edit: (inout GPTConfig) -> Void = { _ in }) -> GPTConfig {
    var c = GPTConfig(vocabSize: 11, contextLength: 8, dModel: 16, nLayer: 2, nHead: 2)
    edit(&c)
    return c
}

@Suite struct GPTTests {
    @Test func parameterNamesFollowPyTorchStateDictKeys() {
        let names = GPT(tinyConfig()).namedParameters().map(\.name)
        #expect(names == [
            "wte.weight", "wpe.weight",
            "blocks.0.ln1.weight", "blocks.0.ln1.bias", "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias",
            "blocks.0.attn.proj.weight", "blocks.0.attn.proj.bias", "blocks.0.ln2.weight", "blocks.0.ln2.bias",
            "blocks.0.mlp.fc.weight", "blocks.0.mlp.fc.bias", "blocks.0.mlp.proj.weight", "blocks.0.mlp.proj.bias",
            "blocks.1.ln1.weight", "blocks.1.ln1.bias", "blocks.1.attn.qkv.weight", "blocks.1.attn.qkv.bias",
            "blocks.1.attn.proj.weight", "blocks.1.attn.proj.bias", "blocks.1.ln2.weight", "blocks.1.ln2.bias",
            "blocks.1.mlp.fc.weight", "blocks.1.mlp.fc.bias", "blocks.1.mlp.proj.weight", "blocks.1.mlp.proj.bias",
            "lnf.weight", "lnf.bias",
        ])
        let kinds = Dictionary(uniqueKeysWithValues: GPT(tinyConfig()).namedParameters().map { ($0.name, $0.kind) })
        #expect(kinds["wte.weight"] == .embedding)
        #expect(kinds["blocks.0.ln1.bias"] == .norm)
        #expect(kinds["blocks.0.attn.qkv.bias"] == .bias)
        #expect(kinds["blocks.0.mlp.fc.weight"] == .weight)
        let untied = GPT(tinyConfig { $0.tieEmbeddings = false; $0.positional = .rope; $0.norm = .rmsnorm; $0.bias = false })
        let n2 = untied.namedParameters().map(\.name)
        #expect(n2.first == "wte.weight" && n2.last == "lm_head.weight")
        #expect(!n2.contains("wpe.weight") && !n2.contains { $0.hasSuffix("bias") })
    }

    /// nanoGPT's Shakespeare-char model by hand: V 65, T 64, d 128, 4 layers, GELU 4x, tied.
    @Test func accountingByHand() {
        var c = GPTConfig(vocabSize: 65, contextLength: 64, dModel: 128, nLayer: 4, nHead: 4)
        let d = 128
        let perLayer = 2 * (2 * d)                  // ln1, ln2 (weight + bias)
            + (d * 3 * d + 3 * d) + (d * d + d)    // qkv, proj
            + (d * 4 * d + 4 * d) + (4 * d * d + d) // fc, proj
        let embedding = 65 * d + 64 * d
        let total = embedding + 4 * perLayer + 2 * d
        let a = c.accounting
        #expect(a.totalParams == total)
        #expect(a.totalParams == 809_856 && a.nonEmbeddingParams == 793_344)  // nanoGPT: "0.80M" without wpe
        #expect(a.embeddingParams == embedding)
        #expect(a.activeParams == total && a.sparsity == 0)
        #expect(a.flopsPerToken(.full) == 6 * Double(total - embedding) + 12 * 4 * 64 * 128 + 6 * 128 * 65)
        #expect(a.flopsPerToken(.sixN) == 6 * Double(total))
        #expect(a.flopsPerToken(.sixNNonEmbedding) == 6 * Double(total - embedding))
        #expect(GPT(c).parameterCount == total)
        c.tieEmbeddings = false
        #expect(c.accounting.totalParams == total + 65 * d && c.accounting.embeddingParams == embedding + 65 * d)
    }

    @Test(arguments: [
        tinyConfig(),
        tinyConfig { $0.activation = .swiglu; $0.norm = .rmsnorm; $0.positional = .rope; $0.tieEmbeddings = false; $0.bias = false },
        tinyConfig { $0.dFF = 24; $0.activation = .relu },
        tinyConfig { $0.moe = MoEConfig(numExperts: 4, topK: 2) },
        tinyConfig { var m = MoEConfig(numExperts: 4, topK: 1); m.granularity = 2; m.sharedExperts = 1; m.everyNLayers = 2; $0.moe = m },
        tinyConfig { $0.activation = .swiglu; var m = MoEConfig(numExperts: 3, topK: 2); m.dExpert = 8; $0.moe = m },
    ])
    func accountingMatchesTheBuiltModel(_ c: GPTConfig) {
        #expect(c.accounting.totalParams == GPT(c).parameterCount)
    }

    @Test func moeActiveParamsAndSparsity() {
        // d 16, d_ff 64, E 4, top-2, d_expert 32: each expert = 16·32+32 + 32·16+16 = 1072.
        let c = tinyConfig { var m = MoEConfig(numExperts: 4, topK: 2); m.dExpert = 32; $0.moe = m }
        let a = c.accounting
        #expect(a.expertParams == 2 * 4 * 1072 && a.activeExpertParams == 2 * 2 * 1072)
        #expect(a.totalParams - a.activeParams == 2 * 2 * 1072)
        #expect(a.sparsity == 0.5)
        // FLOPs come from active params (router included, since it is a matmul every token runs).
        let dense = tinyConfig().accounting
        #expect(a.flopsPerToken(.full) - dense.flopsPerToken(.full)
                == 6 * Double(a.activeParams - dense.activeParams))
    }

    @Test func initialisationFollowsGPT2() {
        let model = GPT(GPTConfig(vocabSize: 64, contextLength: 32, dModel: 64, nLayer: 8, nHead: 4))
        var rng = RandomState(seed: 1)
        model.initialize(rng: &rng)
        func std(_ t: Tensor) -> Double {
            let v = t.scalars.map(Double.init), m = v.reduce(0, +) / Double(v.count)
            return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
        }
        let p = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
        #expect(abs(std(p["blocks.0.attn.qkv.weight"]!) - 0.02) < 0.002)
        #expect(abs(std(p["blocks.3.mlp.proj.weight"]!) - 0.02 / 4) < 0.0005)  // 1/√(2·8)
        #expect(abs(std(p["blocks.3.attn.proj.weight"]!) - 0.02 / 4) < 0.0005)
        #expect(p["blocks.0.ln1.weight"]!.scalars.allSatisfy { $0 == 1 })
        #expect(p["blocks.0.mlp.fc.bias"]!.scalars.allSatisfy { $0 == 0 })
    }

    @Test func configErrorsNameTheField() throws {
        func error(_ c: GPTConfig) -> String? {
            do { try c.validate(); return nil } catch { return "\(error)" }
        }
        #expect(error(tinyConfig { $0.nHead = 3 }) == "d_model: 16 is not divisible by n_head = 3")
        #expect(error(tinyConfig { $0.vocabSize = 70_000 })?.hasPrefix("vocab_size:") == true)
        #expect(error(tinyConfig { $0.moe = MoEConfig(numExperts: 2, topK: 3) }) == "moe.top_k: must be in 1...num_experts (2), got 3")
        #expect(error(tinyConfig { var m = MoEConfig(numExperts: 2, topK: 1); m.granularity = 3; $0.moe = m })?
            .hasPrefix("moe.granularity: 3 does not divide d_ff = 64") == true)
        let json = #"{"vocab_size": 11, "context_length": 8, "d_model": 16, "n_layer": 2, "n_head": 2, "d_modle": 3}"#
        #expect(throws: ConfigError.self) { try JSONDecoder().decode(GPTConfig.self, from: Data(json.utf8)) }
        do { _ = try JSONDecoder().decode(GPTConfig.self, from: Data(json.utf8)) } catch {
            #expect("\(error)".hasPrefix("d_modle: unknown key (expected one of: vocab_size, context_length"))
        }
    }

    /// Every parameter of a one-layer GPT (init_std 0.1 so gradients are well above the check's
    /// absolute tolerance; larger weights saturate softmax and make finite differences unreliable).
    @Test(arguments: [
        tinyConfig { $0.nLayer = 1; $0.contextLength = 5; $0.initStd = 0.1 },
        tinyConfig { $0.nLayer = 1; $0.contextLength = 5; $0.initStd = 0.1; $0.activation = .swiglu
            $0.norm = .rmsnorm; $0.positional = .rope; $0.tieEmbeddings = false; $0.bias = false },
    ])
    func gradientsOfAWholeModel(_ config: GPTConfig) {
        let model = GPT(config)
        var rng = RandomState(seed: 2)
        model.initialize(rng: &rng)
        let ids = Indices(shape: [2, 5], values: [1, 4, 2, 9, 0, 3, 3, 7, 10, 5])
        let targets = Indices(shape: [2, 5], values: [4, 2, 9, 0, 6, 3, 7, 10, 5, 1])
        for p in model.namedParameters() {
            gradCheck([p.tensor], step: 1e-3, atol: 5e-4, rtol: 2e-2, maxElements: 60) { _ in
                var ctx = ForwardContext(training: true)
                return model.loss(ids, targets: targets, context: &ctx).total
            }
        }
    }

    /// The activation recorder only reads: logits with and without it are identical, and it sees
    /// one embedding, n_layer attention/MLP/block outputs and the logits.
    @Test func activationRecorderObservesWithoutChangingTheForward() {
        let model = GPT(tinyConfig())
        var rng = RandomState(seed: 4)
        model.initialize(rng: &rng)
        let ids = Indices(shape: [2, 8], values: (0..<16).map { Int32($0 % 11) })
        var plain = ForwardContext(training: false)
        let recorder = ActivationRecorder()
        var recorded = ForwardContext(training: false, activations: recorder)
        let a = model.logits(ids, context: &plain), b = model.logits(ids, context: &recorded)
        #expect(a.scalars == b.scalars)
        let meanAbsLogits = Double(b.scalars.map { abs($0) }.reduce(0, +)) / Double(b.count)
        #expect(abs(recorder.mean(.logits)! - meanAbsLogits) < 1e-6 * meanAbsLogits)
        for site in ActivationRecorder.Site.allCases { #expect(recorder.mean(site)! > 0, "\(site)") }
        recorder.reset()
        #expect(recorder.mean(.block) == nil)
    }
}
