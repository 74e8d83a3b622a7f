import Foundation
import RunSchema
import Tensor

/// What a forward pass needs besides the input: train/eval mode and the dropout stream.
public struct ForwardContext {
    public var training: Bool
    public var rng: RandomState

    public init(training: Bool, rng: RandomState = RandomState(seed: 0)) {
        self.training = training
        self.rng = rng
    }
}

/// The feed-forward slot of a block: the dense MLP or a mixture of experts.
public protocol FeedForwardLayer: Module {
    func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor
    /// Extra training loss this layer contributes (MoE balancing), from the last forward.
    var auxiliaryLoss: Tensor? { get }
}

extension FeedForward: FeedForwardLayer {
    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor { self(x) }
    public var auxiliaryLoss: Tensor? { nil }
}

/// Pre-norm residual block: x + attn(norm(x)), then x + ffn(norm(x)).
public final class Block: Module {
    public let ln1: Norm, attn: CausalSelfAttention, ln2: Norm
    public let ffn: any FeedForwardLayer
    let dropout: Float

    init(_ c: GPTConfig, layer: Int, rotary: RotaryTable?) {
        ln1 = Norm(c.dModel, kind: c.norm, bias: c.bias)
        attn = CausalSelfAttention(dModel: c.dModel, heads: c.nHead, bias: c.bias, rotary: rotary)
        ln2 = Norm(c.dModel, kind: c.norm, bias: c.bias)
        if let moe = c.moe, moe.isMoELayer(layer) {
            ffn = MixtureOfExperts(dModel: c.dModel, dFF: c.feedForwardWidth, config: moe, activation: c.activation, bias: c.bias)
        } else {
            ffn = FeedForward(dModel: c.dModel, dFF: c.feedForwardWidth, activation: c.activation, bias: c.bias)
        }
        dropout = c.dropout
    }

    public var children: [(String, any Module)] {
        [("ln1", ln1), ("attn", attn), ("ln2", ln2), (ffn is MixtureOfExperts ? "moe" : "mlp", ffn)]
    }

    func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        var a = attn(ln1(x))
        if context.training && dropout > 0 { a = a.dropout(dropout, rng: &context.rng) }
        let h = x + a
        var f = ffn.forward(ln2(h), context: &context)
        if context.training && dropout > 0 { f = f.dropout(dropout, rng: &context.rng) }
        return h + f
    }
}

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

    /// Builds the model with all weights zero: call `initialize(rng:)` or load a checkpoint.
    public init(_ config: GPTConfig) {
        self.config = config
        wte = Embedding(config.vocabSize, config.dModel)
        wpe = config.positional == .learned ? Embedding(config.contextLength, config.dModel) : nil
        let rotary = config.positional == .rope
            ? RotaryTable(tokens: config.contextLength, headDim: config.headDim, base: config.ropeBase) : nil
        blocks = (0..<config.nLayer).map { Block(config, layer: $0, rotary: rotary) }
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
    /// N(0, init_std/√(2·n_layer)), biases 0, norm weights 1.
    public func initialize(rng: inout RandomState) {
        let std = config.initStd
        let residualStd = std / Foundation.sqrt(Float(2 * config.nLayer))
        Tensor.noGrad {
            for p in namedParameters() {
                switch p.kind {
                case .bias: p.tensor.assign(.zeros(p.tensor.shape))
                case .norm: p.tensor.assign(p.name.hasSuffix("bias") ? .zeros(p.tensor.shape) : .ones(p.tensor.shape))
                case .weight, .embedding:
                    // Residual-stream output projections (attention and MLP/expert `proj`).
                    let residual = p.name.hasSuffix(".proj.weight")
                    p.tensor.assign(.randn(p.tensor.shape, std: residual ? residualStd : std, rng: &rng))
                }
            }
        }
    }

    /// Logits [B, T, V] for token ids [B, T].
    public func logits(_ ids: Indices, context: inout ForwardContext) -> Tensor {
        guard ids.shape.count == 2, ids.shape[1] <= config.contextLength else {
            fatalError("GPT.logits: ids \(ids.shape) must be [batch, tokens ≤ \(config.contextLength)]")
        }
        let t = ids.shape[1]
        var x = wte(ids)
        if let wpe { x = x + wpe(Indices(shape: [t], values: (0..<Int32(t)).map { $0 })) }
        if context.training && config.dropout > 0 { x = x.dropout(config.dropout, rng: &context.rng) }
        for block in blocks { x = block.forward(x, context: &context) }
        x = lnf(x)
        return x.linear(weight: lmHead?.weight ?? wte.weight, bias: nil)
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
