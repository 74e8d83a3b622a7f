import CommandTestSupport
import Data
import Foundation
import NN
import RunSchema
import Tensor
import Testing
import Trainer

/// Using a trained model: loading a run or checkpoint, generation, `eval` on the final eval's
/// windows, and the Hugging Face export's layout and refusals.
@Suite struct UseModelTests {
    /// A finished 12-step run on the synthetic char corpus (model options in `extra`).
    func trainedRun(_ dir: URL, extra: [String] = []) throws -> (run: URL, data: URL) {
        let (data, _) = try makeSyntheticDataset(in: dir, characters: 12_000)
        let config = try TrainConfig.load(try writeConfig(tinyTrainConfigJSON(dataDir: data, steps: 12), in: dir), overrides: extra)
        let runDir = dir.appendingPathComponent("run")
        let run = try TrainingRun(config: config, directory: runDir, resume: false)
        #expect(try run.run() == .finished)
        return (runDir, data)
    }

    @Test func evalOverAllWindowsIsTheRunsFinalEvalAndTheFirstNWindowsWithBatches() throws {
        let dir = try temporaryDirectory("use-eval")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (runDir, data) = try trainedRun(dir)
        let trained = try TrainedModel(path: runDir.path)
        #expect(trained.step == 12 && trained.evalBatchSize == 8)
        let all = try trained.evaluate(dataDirectory: data, split: "val", batches: nil)
        let summary = try RunSummary.read(RunFiles(runDir).checkpoint.deletingLastPathComponent().appendingPathComponent("summary.json"))
        #expect(all.loss == summary.finalValLoss && all.windows == 37 && all.windowsInSplit == 37)
        // Equal-sized windows: the mean over positions is the mean over windows.
        #expect(abs(all.lossByPosition.reduce(0, +) / 32 - all.loss) < 1e-5)
        #expect(all.lossByPosition.count == 32)
        // The corpus is ASCII: one byte per char token.
        #expect(all.bytesPerToken == 1 && abs(all.bitsPerByte! - all.loss / log(2)) < 1e-12)

        let first = try trained.evaluate(dataDirectory: data, split: "val", batches: 2)
        let windows = try EvalWindows(tokens: try TokenDataset(directory: data).val, context: 32)
        let reference = try #require(windows.losses(of: trained.model, batchSize: 8, positions: 0..<16))
        #expect(first.windows == 16 && first.loss == reference.reduce(0, +) / 16)
        #expect(throws: TrainingError.self) { try trained.evaluate(dataDirectory: data, split: "val", batches: 5) }
    }

    @Test func aCheckpointFileLoadsAloneButHasNoTokenizerWithoutItsRunsConfig() throws {
        let dir = try temporaryDirectory("use-load")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (runDir, data) = try trainedRun(dir)
        let lone = dir.appendingPathComponent("lone")
        try FileManager.default.createDirectory(at: lone, withIntermediateDirectories: true)
        let copy = lone.appendingPathComponent("c.safetensors")
        try FileManager.default.copyItem(at: RunFiles(runDir).checkpoint, to: copy)
        let trained = try TrainedModel(path: copy.path)
        #expect(trained.runConfig == nil)
        let error = try #require(throws: TrainingError.self) { try trained.tokenizer() }
        #expect(error.description.contains("no tokenizer") && error.description.contains("--data"))
        #expect(try trained.tokenizer(dataOverride: data.path).kind == .char)
        #expect(throws: CheckpointError.self) { try TrainedModel(path: dir.appendingPathComponent("nothing").path) }
        #expect(throws: CheckpointError.self) { try TrainedModel(path: lone.path) }  // a directory without a checkpoint
    }

    @Test func generationIsDeterministicGreedyIsTheArgmaxAndItRunsPastTheContext() throws {
        var config = GPTConfig(vocabSize: 11, contextLength: 8, dModel: 16, nLayer: 2, nHead: 2)
        config.positional = .rope; config.norm = .rmsnorm
        let model = GPT(config)
        var init_ = RandomState(seed: 5)
        model.initialize(rng: &init_)
        let generator = Generator(model: model)
        func generate(_ n: Int, _ options: SamplingOptions, seed: UInt64) -> [Int32] {
            var out: [Int32] = [], rng = RandomState(seed: seed)
            generator.generate(prompt: [1, 2, 3], count: n, options: options, rng: &rng) { out.append($0) }
            return out
        }
        let sampled = generate(30, SamplingOptions(temperature: 1, topK: 5), seed: 9)
        #expect(sampled.count == 30 && sampled == generate(30, SamplingOptions(temperature: 1, topK: 5), seed: 9))
        #expect(generate(30, SamplingOptions(temperature: 1), seed: 10) != generate(30, SamplingOptions(temperature: 1), seed: 11))
        // Greedy within the context: each token is the argmax of the full forward's last logits.
        let greedy = generate(5, SamplingOptions(temperature: 0), seed: 0)
        var sequence: [Int32] = [1, 2, 3]
        for token in greedy {
            var context = ForwardContext(training: false)
            let logits = Tensor.noGrad { model.logits(Indices(shape: [1, sequence.count], values: sequence), context: &context) }
            let last = Array(logits.scalars.suffix(11))
            #expect(token == Int32(last.indices.max { last[$0] < last[$1] }!))
            sequence.append(token)
        }
        // top-k = 1 is greedy too.
        #expect(generate(5, SamplingOptions(temperature: 1, topK: 1), seed: 3) == greedy)
    }

    @Test func samplingDrawsOnlyFromTheTopK() {
        let logits: [Float] = [0, 3, 1, 2.5, -1]
        var rng = RandomState(seed: 1)
        let options = SamplingOptions(temperature: 2, topK: 2)
        let draws = logits.withUnsafeBufferPointer { p in (0..<200).map { _ in options.draw(p, rng: &rng) } }
        #expect(Set(draws) == [1, 3])
    }

    @Test func gpt2ExportTransposesConv1DAndFoldsTheMultipliers() throws {
        let dir = try temporaryDirectory("use-export")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (runDir, _) = try trainedRun(dir, extra: ["model.parametrization=completep", "model.base_width=16", "model.base_depth=1"])
        let trained = try TrainedModel(path: runDir.path)
        let out = dir.appendingPathComponent("hf")
        let outcome = try HFExport.export(trained, to: out, meta: trained.dataDirectory()?.appendingPathComponent("meta.json"))
        #expect(outcome.architecture == "GPT2LMHeadModel")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
                == ["config.json", "model.safetensors", "windtunnel_meta.json", "tokenizer.json", "tokenizer_config.json"])
        // The char vocabulary as a WordLevel model with the same ids.
        let tokenizer = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("tokenizer.json"))) as? [String: Any])
        let vocab = try #require((tokenizer["model"] as? [String: Any])?["vocab"] as? [String: Int])
        let char = try #require(try trained.tokenizer() as? CharTokenizer)
        #expect(vocab.count == char.vocabSize && char.itos.enumerated().allSatisfy { vocab[String($0.element)] == $0.offset })
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
        #expect(config["n_positions"] as? Int == 32 && config["activation_function"] as? String == "gelu_new")
        #expect(config["tie_word_embeddings"] as? Bool == true)

        let file = try SafeTensors.open(out.appendingPathComponent("model.safetensors"))
        #expect(file.metadata["format"] == "pt" && file.tensors["lm_head.weight"] == nil)
        func read(_ name: String) throws -> [Float] {
            let shape = try #require(file.tensors[name]).shape
            var v = [Float](repeating: 0, count: shape.reduce(1, *))
            try v.withUnsafeMutableBufferPointer { try file.read(name, shape: shape, into: $0.baseAddress!) }
            return v
        }
        let block = trained.model.blocks[1], d = 32
        let rules = trained.model.parametrization
        let q = rules.attentionScale! * Float(8).squareRoot()  // d_head 8
        let r = try #require(rules.residualMultiplier), m = try #require(rules.outputMultiplier)
        let cAttn = try read("transformer.h.1.attn.c_attn.weight"), qkv = block.attn.qkv.weight.scalars
        // c_attn[i, j] = qkv[j, i], with the q rows (j < d) scaled.
        for (i, j) in [(0, 0), (3, 5), (7, d + 2), (31, 3 * d - 1)] {
            #expect(cAttn[i * 3 * d + j] == qkv[j * d + i] * (j < d ? q : 1))
        }
        let cProj = try read("transformer.h.1.mlp.c_proj.weight"), proj = (block.ffn as! FeedForward).proj.weight.scalars
        #expect(cProj[5 * d + 2] == proj[2 * 128 + 5] * r)
        #expect(try read("transformer.ln_f.weight") == trained.model.lnf.weight.scalars.map { $0 * m })

        // Never overwrites, and a refused export leaves nothing behind.
        #expect(throws: TrainingError.self) { try HFExport.export(trained, to: out, meta: nil) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.contains("partial") })
    }

    @Test func llamaExportSplitsTheFusedProjections() throws {
        let dir = try temporaryDirectory("use-llama")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (runDir, _) = try trainedRun(dir, extra: ["model.positional=rope", "model.norm=rmsnorm", "model.activation=swiglu",
                                                      "model.bias=false", "model.tie_embeddings=false"])
        let trained = try TrainedModel(path: runDir.path)
        let out = dir.appendingPathComponent("hf")
        #expect(try HFExport.export(trained, to: out, meta: nil).architecture == "LlamaForCausalLM")
        let file = try SafeTensors.open(out.appendingPathComponent("model.safetensors"))
        let d = 32, f = trained.config.feedForwardWidth
        #expect(file.tensors["model.layers.0.self_attn.k_proj.weight"]?.shape == [d, d])
        #expect(file.tensors["model.layers.0.mlp.gate_proj.weight"]?.shape == [f, d])
        #expect(file.tensors["lm_head.weight"]?.shape == [trained.config.vocabSize, d])
        var k = [Float](repeating: 0, count: d * d)
        try k.withUnsafeMutableBufferPointer { try file.read("model.layers.0.self_attn.k_proj.weight", shape: [d, d], into: $0.baseAddress!) }
        #expect(k == Array(trained.model.blocks[0].attn.qkv.weight.scalars[(d * d)..<(2 * d * d)]))
    }

    @Test func whatHasNoHuggingFaceEquivalentIsRefusedByField() {
        func refusal(_ edit: (inout GPTConfig) -> Void) -> String? {
            var c = GPTConfig(vocabSize: 11, contextLength: 8, dModel: 16, nLayer: 2, nHead: 2)
            edit(&c)
            do { _ = try HFExport.architecture(c); return nil } catch { return "\(error)" }
        }
        #expect(refusal { _ in } == nil)
        #expect(refusal { $0.moe = MoEConfig(numExperts: 4, topK: 2) }?.hasPrefix("model.moe:") == true)
        #expect(refusal { $0.norm = .rmsnorm }?.hasPrefix("model.norm:") == true)
        #expect(refusal { $0.activation = .swiglu }?.hasPrefix("model.activation:") == true)
        #expect(refusal { $0.positional = .rope; $0.norm = .rmsnorm }?.hasPrefix("model.activation:") == true)
        #expect(refusal { $0.positional = .rope; $0.activation = .swiglu }?.hasPrefix("model.norm:") == true)
    }
}
