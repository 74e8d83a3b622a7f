import Foundation
import RunSchema
import Tensor

/// Multi-head causal self-attention: one fused q/k/v projection, optional RoPE on q and k, the
/// fused attention kernel straight from the projection's layout, and an output projection.
public final class CausalSelfAttention: Module {
    public let qkv: Linear
    public let proj: Linear
    public let heads: Int
    let rotary: RotaryTable?

    public init(dModel: Int, heads: Int, bias: Bool, rotary: RotaryTable?) {
        qkv = Linear(dModel, 3 * dModel, bias: bias)
        proj = Linear(dModel, dModel, bias: bias)
        self.heads = heads
        self.rotary = rotary
    }

    public var children: [(String, any Module)] { [("qkv", qkv), ("proj", proj)] }

    /// x [B, T, C] → [B, T, C].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var q = qkv(x)
        if let rotary { q = rotaryEmbedding(qkv: q, heads: heads, table: rotary) }
        return proj(causalSelfAttention(qkv: q, heads: heads))
    }
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
