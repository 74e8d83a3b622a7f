/// The layer choices a config names. They live here, not in the NN layer classes, so that a
/// config can be read, validated and costed without linking the model (NN aliases them:
/// `Norm.Kind`, `FeedForward.Activation`).

/// LayerNorm or RMSNorm over the last axis (`model.norm`).
public enum NormKind: String, Codable, Sendable, CaseIterable { case layernorm, rmsnorm }

/// The feed-forward activation (`model.activation`): GELU (tanh approximation), SwiGLU or ReLU.
public enum ActivationKind: String, Codable, Sendable, CaseIterable { case gelu, swiglu, relu }

/// Weight-decay groups (`optim.decay`): by default only `.weight` (matmul weights) decays.
public enum ParameterKind: String, Codable, Sendable, CaseIterable {
    case weight, bias, norm, embedding
}
