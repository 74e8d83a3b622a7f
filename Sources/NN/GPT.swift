/// # The GPT
///
/// The whole model in one file, read top to bottom as nanoGPT's `model.py`: what a forward pass
/// carries (train/eval, the dropout stream), the norm, causal self-attention, the MLP, the
/// pre-norm block, and the GPT itself (embeddings, blocks, final norm, tied or untied
/// unembedding, GPT-2 initialisation, the loss). Every size and choice comes from a `GPTConfig`.
/// The mixture-of-experts feed-forward is the sibling file MixtureOfExperts.swift; `Linear` and
/// `Embedding` (Layers.swift) and the tensor ops are the building blocks.
///
/// Each module's `parameters`/`children` lists fix the order of the state-dict names
/// (`blocks.0.attn.qkv.weight`), of the parameter arena and of the initialisation stream.
import Foundation
import RunSchema
import Tensor

/// What a forward pass needs besides the input: train/eval mode, the dropout stream, and an
/// optional recorder of activation sizes (the coordinate check; nil costs one branch per site).
public struct ForwardContext {
    public var training: Bool
    public var rng: RandomState
    public var activations: ActivationRecorder?

    public init(training: Bool, rng: RandomState = RandomState(seed: 0), activations: ActivationRecorder? = nil) {
        self.training = training
        self.rng = rng
        self.activations = activations
    }
}

// MARK: - Norm

/// LayerNorm or RMSNorm over the last axis (the `norm` choice of a GPT config).
public final class Norm: Module {
    public typealias Kind = NormKind
    public let kind: Kind
    public let weight: Tensor
    public let bias: Tensor?
    public let eps: Float

    public init(_ dim: Int, kind: Kind, bias: Bool = true) {
        self.kind = kind
        weight = parameter(.ones([dim]))
        self.bias = (kind == .layernorm && bias) ? parameter(.zeros([dim])) : nil
        eps = kind == .layernorm ? 1e-5 : 1e-6
    }

    public var parameters: [(String, Tensor)] {
        bias.map { [("weight", weight), ("bias", $0)] } ?? [("weight", weight)]
    }
    public var parameterKind: ParameterKind { .norm }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        kind == .layernorm ? x.layerNorm(weight: weight, bias: bias, eps: eps) : x.rmsNorm(weight: weight, eps: eps)
    }
}

// MARK: - Attention

/// Multi-head causal self-attention: one fused q/k/v projection, optional RoPE on q and k, the
/// fused attention kernel straight from the projection's layout, and an output projection.
public final class CausalSelfAttention: Module {
    public let qkv: Linear
    public let proj: Linear
    public let heads: Int
    let rotary: RotaryTable?
    /// Score scale; nil = 1/√d_head (μP's 1/d_head comes from the parametrisation).
    let scale: Float?

    public init(dModel: Int, heads: Int, bias: Bool, rotary: RotaryTable?, scale: Float? = nil) {
        qkv = Linear(dModel, 3 * dModel, bias: bias)
        proj = Linear(dModel, dModel, bias: bias)
        self.heads = heads
        self.rotary = rotary
        self.scale = scale
    }

    public var children: [(String, any Module)] { [("qkv", qkv), ("proj", proj)] }

    /// x [B, T, C] → [B, T, C].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var q = qkv(x)
        if let rotary { q = rotaryEmbedding(qkv: q, heads: heads, table: rotary) }
        return proj(causalSelfAttention(qkv: q, heads: heads, scale: scale))
    }
}

// MARK: - MLP

/// The feed-forward slot of a block: the dense MLP or a mixture of experts.
public protocol FeedForwardLayer: Module {
    func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor
    /// Extra training loss this layer contributes (MoE balancing), from the last forward.
    var auxiliaryLoss: Tensor? { get }
}

/// The position-wise feed-forward network: GELU (GPT-2: d → d_ff → d) or SwiGLU (one fused
/// gate+up projection d → 2·d_ff, then d_ff → d).
public final class FeedForward: Module {
    public typealias Activation = ActivationKind
    public let fc: Linear
    public let proj: Linear
    public let activation: Activation

    public init(dModel: Int, dFF: Int, activation: Activation, bias: Bool) {
        fc = Linear(dModel, activation == .swiglu ? 2 * dFF : dFF, bias: bias)
        proj = Linear(dFF, dModel, bias: bias)
        self.activation = activation
    }

    public var children: [(String, any Module)] { [("fc", fc), ("proj", proj)] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let h = fc(x)
        switch activation {
        case .gelu: return proj(h.gelu(approximate: true))
        case .swiglu: return proj(h.swiglu())
        case .relu: return proj(h.relu())
        }
    }
}

extension FeedForward: FeedForwardLayer {
    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor { self(x) }
    public var auxiliaryLoss: Tensor? { nil }
}

// MARK: - Block

/// Pre-norm residual block: x + r·attn(norm(x)), then x + r·ffn(norm(x)), with CompleteP's
/// branch multiplier r = L_base/L (absent, not 1, under SP and μP).
public final class Block: Module {
    public let ln1: Norm, attn: CausalSelfAttention, ln2: Norm
    public let ffn: any FeedForwardLayer
    let dropout: Float
    let residualMultiplier: Float?

    init(_ c: GPTConfig, layer: Int, rotary: RotaryTable?, rules: ParametrizationRules) {
        ln1 = Norm(c.dModel, kind: c.norm, bias: c.bias)
        attn = CausalSelfAttention(dModel: c.dModel, heads: c.nHead, bias: c.bias, rotary: rotary, scale: rules.attentionScale)
        ln2 = Norm(c.dModel, kind: c.norm, bias: c.bias)
        if let moe = c.moe, moe.isMoELayer(layer) {
            ffn = MixtureOfExperts(dModel: c.dModel, dFF: c.feedForwardWidth, config: moe, activation: c.activation, bias: c.bias)
        } else {
            ffn = FeedForward(dModel: c.dModel, dFF: c.feedForwardWidth, activation: c.activation, bias: c.bias)
        }
        dropout = c.dropout
        residualMultiplier = rules.residualMultiplier
    }

    public var children: [(String, any Module)] {
        [("ln1", ln1), ("attn", attn), ("ln2", ln2), (ffn is MixtureOfExperts ? "moe" : "mlp", ffn)]
    }

    func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        var a = attn(ln1(x))
        context.activations?.record(.attention, a)
        if let r = residualMultiplier { a = a * r }
        if context.training && dropout > 0 { a = a.dropout(dropout, rng: &context.rng) }
        let h = x + a
        var f = ffn.forward(ln2(h), context: &context)
        context.activations?.record(.mlp, f)
        if let r = residualMultiplier { f = f * r }
        if context.training && dropout > 0 { f = f.dropout(dropout, rng: &context.rng) }
        let out = h + f
        context.activations?.record(.block, out)
        return out
    }
}

// MARK: - GPT

/// A decoder-only transformer in the GPT-2 family, configurable towards LLaMA-style choices
/// (RMSNorm, RoPE, SwiGLU, untied head, no biases).
public final class GPT: Module {
    public let config: GPTConfig
    public let wte: Embedding
    public let wpe: Embedding?
    public let blocks: [Block]
    public let lnf: Norm
    /// Separate unembedding when embeddings are untied; otherwise logits use `wte.weight`.
    public let lmHead: Linear?
    /// SP, μP or CompleteP at this config's width and depth (Parametrization.swift).
    public let parametrization: ParametrizationRules

    /// Builds the model with all weights zero: call `initialize(rng:)` or load a checkpoint.
    public init(_ config: GPTConfig) {
        self.config = config
        let rules = ParametrizationRules(config)
        parametrization = rules
        wte = Embedding(config.vocabSize, config.dModel)
        wpe = config.positional == .learned ? Embedding(config.contextLength, config.dModel) : nil
        let rotary = config.positional == .rope
            ? RotaryTable(tokens: config.contextLength, headDim: config.headDim, base: config.ropeBase) : nil
        blocks = (0..<config.nLayer).map { Block(config, layer: $0, rotary: rotary, rules: rules) }
        lnf = Norm(config.dModel, kind: config.norm, bias: config.bias)
        lmHead = config.tieEmbeddings ? nil : Linear(config.dModel, config.vocabSize, bias: false)
    }

    public var children: [(String, any Module)] {
        var c: [(String, any Module)] = [("wte", wte)]
        if let wpe { c.append(("wpe", wpe)) }
        c.append(("blocks", BlockList(blocks)))
        c.append(("lnf", lnf))
        if let lmHead { c.append(("lm_head", lmHead)) }
        return c
    }

    /// GPT-2 initialisation: weights N(0, init_std), residual output projections
    /// N(0, init_std/√(2·n_layer)), biases 0, norm weights 1; μP and CompleteP rescale the stds
    /// by width (and CompleteP's depth factor is the proxy's), see `ParametrizationRules.initStd`.
    /// One draw per weight in parameter order, whatever the parametrisation.
    public func initialize(rng: inout RandomState) {
        Tensor.noGrad {
            for p in namedParameters() {
                switch p.kind {
                case .bias: p.tensor.assign(.zeros(p.tensor.shape))
                case .norm: p.tensor.assign(p.name.hasSuffix("bias") ? .zeros(p.tensor.shape) : .ones(p.tensor.shape))
                case .weight, .embedding:
                    let std = parametrization.initStd(ParametrizationRules.role(of: p))
                    p.tensor.assign(.randn(p.tensor.shape, std: std, rng: &rng))
                }
            }
        }
    }

    /// The optimizer multipliers of a parameter under this model's parametrisation (for
    /// `ParameterArena(model, scale:)`).
    public func optimizerScale(_ p: NamedParameter) -> OptimizerScale { parametrization.optimizerScale(p) }

    /// Logits [B, T, V] for token ids [B, T].
    public func logits(_ ids: Indices, context: inout ForwardContext) -> Tensor {
        guard ids.shape.count == 2, ids.shape[1] <= config.contextLength else {
            fatalError("GPT.logits: ids \(ids.shape) must be [batch, tokens ≤ \(config.contextLength)]")
        }
        let t = ids.shape[1]
        var x = wte(ids)
        if let wpe { x = x + wpe(Indices(shape: [t], values: (0..<Int32(t)).map { $0 })) }
        if context.training && config.dropout > 0 { x = x.dropout(config.dropout, rng: &context.rng) }
        context.activations?.record(.embedding, x)
        for block in blocks { x = block.forward(x, context: &context) }
        x = lnf(x)
        // μP's output multiplier, on the d-wide input of the unembedding rather than the V-wide
        // logits (the same product, cheaper).
        if let m = parametrization.outputMultiplier { x = x * m }
        let logits = x.linear(weight: lmHead?.weight ?? wte.weight, bias: nil)
        context.activations?.record(.logits, logits)
        return logits
    }

    public struct Loss {
        /// Cross-entropy plus auxiliary losses: what backward runs on.
        public let total: Tensor
        /// Mean cross-entropy over the targets (nats/token).
        public let crossEntropy: Float
    }

    /// Next-token loss; `targets` has the shape of `ids`.
    public func loss(_ ids: Indices, targets: Indices, context: inout ForwardContext) -> Loss {
        let ce = crossEntropy(logits: logits(ids, context: &context), targets: targets)
        var total = ce
        for block in blocks { if let aux = block.ffn.auxiliaryLoss { total = total + aux } }
        return Loss(total: total, crossEntropy: ce.item())
    }
}

/// `blocks.0`, `blocks.1`, … as a module, so parameter names match PyTorch's ModuleList.
final class BlockList: Module {
    let blocks: [Block]
    init(_ blocks: [Block]) { self.blocks = blocks }
    var children: [(String, any Module)] { blocks.enumerated().map { (String($0.offset), $0.element) } }
}
