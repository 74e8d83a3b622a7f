import Data
import Foundation
import NN
import RunSchema
import Tensor

/// `windtunnel export --format hf`: a trained model as a Hugging Face `transformers` model
/// directory (config.json + model.safetensors), loadable with `AutoModelForCausalLM.from_pretrained`.
///
/// | ours (`model.*`)                                   | Hugging Face                                   |
/// |----------------------------------------------------|------------------------------------------------|
/// | learned positions, layernorm, gelu or relu          | `GPT2LMHeadModel` (`gelu_new` = our tanh GELU)  |
/// | rope, rmsnorm, swiglu                               | `LlamaForCausalLM` (`silu`, gate = first half)  |
/// | `qkv` [3C, C] (q, k, v blocks)                      | GPT-2 `c_attn` [C, 3C] (Conv1D: transposed); Llama `q/k/v_proj` |
/// | `bias: false`                                       | GPT-2: zero biases; Llama: `attention_bias`/`mlp_bias` = bias |
/// | tied / untied head                                  | `tie_word_embeddings`                           |
/// | μP output multiplier 1/m_N                          | folded into the final norm's weight (and bias)  |
/// | μP attention scale √(d_head_b)/d_head               | folded into the q projection (HF uses 1/√d_head)|
/// | CompleteP branch multiplier L_b/L                   | folded into the attention and MLP output projections |
/// | MoE (`model.moe`)                                   | refused: neither architecture has experts       |
///
/// Each fold is exact in real arithmetic: the norm output, q and the branch outputs are linear
/// in those weights (RoPE is linear in q). Our RoPE pairs element i with i + d_head/2 within a
/// head, which is Llama's `rotate_half`, so q/k need no permutation; θ = `rope_base`. Norm ε:
/// LayerNorm 1e-5, RMSNorm 1e-6 (ours), written as `layer_norm_epsilon` / `rms_norm_eps`.
public enum HFExport {
    public struct Outcome: Sendable {
        public var architecture: String
        public var files: [String]
        /// What was folded or left out, for the command's report.
        public var notes: [String]
    }

    /// The HF architecture for `config`, or an error naming the field with no HF equivalent.
    public static func architecture(_ c: GPTConfig) throws -> String {
        if c.moe != nil {
            throw TrainingError("model.moe: a mixture-of-experts model has no Hugging Face equivalent among the exported architectures (GPT2LMHeadModel, LlamaForCausalLM are dense)")
        }
        switch c.positional {
        case .learned:
            guard c.norm == .layernorm else {
                throw TrainingError("model.norm: rmsnorm with learned positions has no Hugging Face equivalent (GPT2LMHeadModel uses layernorm; LlamaForCausalLM needs positional rope)")
            }
            guard c.activation != .swiglu else {
                throw TrainingError("model.activation: swiglu with learned positions has no Hugging Face equivalent (GPT2LMHeadModel's MLP is not gated; LlamaForCausalLM needs positional rope and norm rmsnorm)")
            }
            return "GPT2LMHeadModel"
        case .rope:
            guard c.norm == .rmsnorm else {
                throw TrainingError("model.norm: layernorm with rope has no Hugging Face equivalent (LlamaForCausalLM uses rmsnorm; GPT2LMHeadModel needs positional learned)")
            }
            guard c.activation == .swiglu else {
                throw TrainingError("model.activation: \(c.activation.rawValue) with rope has no Hugging Face equivalent (LlamaForCausalLM's MLP is SwiGLU; GPT2LMHeadModel needs positional learned)")
            }
            return "LlamaForCausalLM"
        }
    }

    /// Writes the export into `out`, which must not exist: everything goes to a temporary
    /// sibling directory first, renamed to `out` only when complete. `meta` (the dataset's
    /// meta.json, if known) is copied as `windtunnel_meta.json`, and its char or byte tokenizer
    /// also written as `tokenizer.json` (HFTokenizer.swift; BPE has no exact HF form).
    public static func export(_ trained: TrainedModel, to out: URL, meta: URL?) throws -> Outcome {
        let c = trained.config
        let arch = try architecture(c)
        let fm = FileManager.default
        if fm.fileExists(atPath: out.path) {
            throw TrainingError("\(out.path) already exists; choose another --out or remove it (export never overwrites)")
        }
        let parent = out.deletingLastPathComponent()
        let temp = parent.appendingPathComponent(".\(out.lastPathComponent).partial-\(getpid())")
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
            try? fm.removeItem(at: temp)
            try fm.createDirectory(at: temp, withIntermediateDirectories: false)
        } catch {
            throw TrainingError("\(out.path): cannot create the export directory (\(FileErrors.reason(error)))")
        }
        do {
            let weights = HFWeights(trained.model)
            let tensors = arch == "GPT2LMHeadModel" ? weights.gpt2() : weights.llama()
            try writeTensors(tensors, to: temp.appendingPathComponent("model.safetensors"))
            let json = try JSONSerialization.data(withJSONObject: arch == "GPT2LMHeadModel" ? gpt2Config(c) : llamaConfig(c),
                                                  options: [.prettyPrinted, .sortedKeys])
            try json.write(to: temp.appendingPathComponent("config.json"))
            var files = ["config.json", "model.safetensors"]
            var notes = weights.folds
            if let meta, fm.fileExists(atPath: meta.path) {
                let tokenizer = try DatasetMeta.load(from: meta).makeTokenizer()
                try fm.copyItem(at: meta, to: temp.appendingPathComponent("windtunnel_meta.json"))
                files.append("windtunnel_meta.json")
                if let json = HFTokenizer.files(for: tokenizer) {
                    try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
                        .write(to: temp.appendingPathComponent("tokenizer.json"))
                    try JSONSerialization.data(withJSONObject: HFTokenizer.config, options: [.prettyPrinted, .sortedKeys])
                        .write(to: temp.appendingPathComponent("tokenizer_config.json"))
                    files += ["tokenizer.json", "tokenizer_config.json"]
                    notes.append("tokenizer: \(tokenizer.kind.rawValue) vocabulary as tokenizer.json (AutoTokenizer loads it; same ids); meta.json copied as windtunnel_meta.json")
                } else {
                    notes.append("tokenizer: no tokenizer.json for our \(tokenizer.kind.rawValue) tokenizer (its pre-splitting is not HF's ByteLevel regex); meta.json copied as windtunnel_meta.json (merges: ids 0-255 are bytes, merge r makes 256 + r)")
                }
            } else {
                notes.append("tokenizer: none exported (the run's data directory has no meta.json)")
            }
            guard rename(temp.path, out.path) == 0 else {
                throw TrainingError("\(out.path): cannot move the export into place (\(String(cString: strerror(errno))))")
            }
            return Outcome(architecture: arch, files: files, notes: notes)
        } catch {
            try? fm.removeItem(at: temp)
            throw error
        }
    }

    static func writeTensors(_ tensors: [(name: String, shape: [Int], values: [Float])], to url: URL) throws {
        // Stable copies: an Entry holds raw buffer pointers.
        let buffers = tensors.map { t -> UnsafeMutableBufferPointer<Float> in
            let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: t.values.count)
            _ = p.initialize(from: t.values)
            return p
        }
        defer { for p in buffers { p.deallocate() } }
        let entries = zip(tensors, buffers).map { SafeTensors.Entry(name: $0.name, shape: $0.shape, values: UnsafeBufferPointer($1)) }
        // "format": "pt" is what transformers checks before loading a safetensors file.
        try SafeTensors.write(entries, metadata: ["format": "pt"], to: url)
    }

    static func gpt2Config(_ c: GPTConfig) -> [String: Any] {
        [
            "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
            "vocab_size": c.vocabSize, "n_positions": c.contextLength, "n_ctx": c.contextLength,
            "n_embd": c.dModel, "n_layer": c.nLayer, "n_head": c.nHead, "n_inner": c.feedForwardWidth,
            "activation_function": c.activation == .relu ? "relu" : "gelu_new",
            "layer_norm_epsilon": 1e-5, "initializer_range": Double("\(c.initStd)") ?? 0.02,
            "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "scale_attn_weights": true,
            "tie_word_embeddings": c.tieEmbeddings, "use_cache": true, "torch_dtype": "float32",
            "bos_token_id": NSNull(), "eos_token_id": NSNull(),
        ]
    }

    static func llamaConfig(_ c: GPTConfig) -> [String: Any] {
        [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama",
            "vocab_size": c.vocabSize, "max_position_embeddings": c.contextLength,
            "hidden_size": c.dModel, "intermediate_size": c.feedForwardWidth,
            "num_hidden_layers": c.nLayer, "num_attention_heads": c.nHead, "num_key_value_heads": c.nHead,
            "head_dim": c.headDim, "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": Double(c.ropeBase),
            "attention_bias": c.bias, "mlp_bias": c.bias, "attention_dropout": 0.0,
            "initializer_range": Double("\(c.initStd)") ?? 0.02, "tie_word_embeddings": c.tieEmbeddings,
            "use_cache": true, "torch_dtype": "float32",
            "bos_token_id": NSNull(), "eos_token_id": NSNull(), "pad_token_id": NSNull(),
        ]
    }
}

/// The model's weights with the forward multipliers folded in, renamed and laid out for HF.
struct HFWeights {
    let model: GPT
    var folds: [String] = []
    let qScale: Float?, residual: Float?, output: Float?

    init(_ model: GPT) {
        self.model = model
        let rules = model.parametrization, dh = Float(model.config.headDim)
        // HF scales scores by 1/√d_head; ours by `attentionScale` when set: q × scale·√d_head.
        qScale = rules.attentionScale.map { $0 * dh.squareRoot() }
        residual = rules.residualMultiplier
        output = rules.outputMultiplier
        if let qScale { folds.append("attention scale: q projection × \(qScale) (the 1/d_head scaling of μP/CompleteP)") }
        if let residual { folds.append("branch multiplier: attention and MLP output projections × \(residual) (CompleteP)") }
        if let output { folds.append("output multiplier: final norm × \(output) (μP/CompleteP)") }
    }

    static func values(_ t: Tensor, scale: Float? = nil) -> [Float] {
        let v = Array(t.buffer)
        return scale.map { s in v.map { $0 * s } } ?? v
    }

    /// Rows [start, start+count) of a [rows, cols] weight, optionally scaled.
    static func rows(_ t: Tensor, _ start: Int, _ count: Int, scale: Float? = nil) -> [Float] {
        let cols = t.shape[1]
        let v = Array(t.buffer[(start * cols)..<((start + count) * cols)])
        return scale.map { s in v.map { $0 * s } } ?? v
    }

    static func transposed(_ v: [Float], rows: Int, cols: Int) -> [Float] {
        var out = [Float](repeating: 0, count: v.count)
        for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = v[r * cols + c] } }
        return out
    }

    /// A bias, or zeros when the model has none (GPT-2 always has biases).
    static func bias(_ t: Tensor?, count: Int, scale: Float? = nil) -> [Float] {
        t.map { values($0, scale: scale) } ?? [Float](repeating: 0, count: count)
    }

    /// The q block of a fused [3C] qkv vector or [3C, C] matrix scaled by `qScale`.
    func scaledQKV(_ v: [Float], c: Int, perRow: Int) -> [Float] {
        guard let s = qScale else { return v }
        var out = v
        for i in 0..<(c * perRow) { out[i] *= s }
        return out
    }

    func gpt2() -> [(String, [Int], [Float])] {
        let c = model.config, d = c.dModel, f = c.feedForwardWidth
        var out: [(String, [Int], [Float])] = [("transformer.wte.weight", [c.vocabSize, d], Self.values(model.wte.weight))]
        out.append(("transformer.wpe.weight", [c.contextLength, d], Self.values(model.wpe!.weight)))
        for (i, b) in model.blocks.enumerated() {
            let p = "transformer.h.\(i)."
            let mlp = b.ffn as! FeedForward
            out.append((p + "ln_1.weight", [d], Self.values(b.ln1.weight)))
            out.append((p + "ln_1.bias", [d], Self.bias(b.ln1.bias, count: d)))
            let qkv = scaledQKV(Self.values(b.attn.qkv.weight), c: d, perRow: d)
            out.append((p + "attn.c_attn.weight", [d, 3 * d], Self.transposed(qkv, rows: 3 * d, cols: d)))
            out.append((p + "attn.c_attn.bias", [3 * d], scaledQKV(Self.bias(b.attn.qkv.bias, count: 3 * d), c: d, perRow: 1)))
            out.append((p + "attn.c_proj.weight", [d, d], Self.transposed(Self.values(b.attn.proj.weight, scale: residual), rows: d, cols: d)))
            out.append((p + "attn.c_proj.bias", [d], Self.bias(b.attn.proj.bias, count: d, scale: residual)))
            out.append((p + "ln_2.weight", [d], Self.values(b.ln2.weight)))
            out.append((p + "ln_2.bias", [d], Self.bias(b.ln2.bias, count: d)))
            out.append((p + "mlp.c_fc.weight", [d, f], Self.transposed(Self.values(mlp.fc.weight), rows: f, cols: d)))
            out.append((p + "mlp.c_fc.bias", [f], Self.bias(mlp.fc.bias, count: f)))
            out.append((p + "mlp.c_proj.weight", [f, d], Self.transposed(Self.values(mlp.proj.weight, scale: residual), rows: d, cols: f)))
            out.append((p + "mlp.c_proj.bias", [d], Self.bias(mlp.proj.bias, count: d, scale: residual)))
        }
        out.append(("transformer.ln_f.weight", [d], Self.values(model.lnf.weight, scale: output)))
        out.append(("transformer.ln_f.bias", [d], Self.bias(model.lnf.bias, count: d, scale: output)))
        if let head = model.lmHead { out.append(("lm_head.weight", [c.vocabSize, d], Self.values(head.weight))) }
        return out
    }

    func llama() -> [(String, [Int], [Float])] {
        let c = model.config, d = c.dModel, f = c.feedForwardWidth
        var out: [(String, [Int], [Float])] = [("model.embed_tokens.weight", [c.vocabSize, d], Self.values(model.wte.weight))]
        for (i, b) in model.blocks.enumerated() {
            let p = "model.layers.\(i)."
            let mlp = b.ffn as! FeedForward
            out.append((p + "input_layernorm.weight", [d], Self.values(b.ln1.weight)))
            for (k, name) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                out.append((p + "self_attn.\(name).weight", [d, d], Self.rows(b.attn.qkv.weight, k * d, d, scale: k == 0 ? qScale : nil)))
                if let bias = b.attn.qkv.bias {
                    let v = Array(bias.buffer[(k * d)..<((k + 1) * d)])
                    out.append((p + "self_attn.\(name).bias", [d], k == 0 ? v.map { $0 * (qScale ?? 1) } : v))
                }
            }
            out.append((p + "self_attn.o_proj.weight", [d, d], Self.values(b.attn.proj.weight, scale: residual)))
            if let bias = b.attn.proj.bias { out.append((p + "self_attn.o_proj.bias", [d], Self.values(bias, scale: residual))) }
            out.append((p + "post_attention_layernorm.weight", [d], Self.values(b.ln2.weight)))
            // Our swiglu is silu(first half)·second half of the fused projection: gate, then up.
            out.append((p + "mlp.gate_proj.weight", [f, d], Self.rows(mlp.fc.weight, 0, f)))
            out.append((p + "mlp.up_proj.weight", [f, d], Self.rows(mlp.fc.weight, f, f)))
            if let bias = mlp.fc.bias {
                out.append((p + "mlp.gate_proj.bias", [f], Array(bias.buffer[0..<f])))
                out.append((p + "mlp.up_proj.bias", [f], Array(bias.buffer[f..<(2 * f)])))
            }
            out.append((p + "mlp.down_proj.weight", [d, f], Self.values(mlp.proj.weight, scale: residual)))
            if let bias = mlp.proj.bias { out.append((p + "mlp.down_proj.bias", [d], Self.values(bias, scale: residual))) }
        }
        out.append(("model.norm.weight", [d], Self.values(model.lnf.weight, scale: output)))
        if let head = model.lmHead { out.append(("lm_head.weight", [c.vocabSize, d], Self.values(head.weight))) }
        return out
    }
}
