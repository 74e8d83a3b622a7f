import RunSchema
import Tensor

/// y = x·Wᵀ + b, weight [out, in] as in PyTorch.
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        weight = parameter(.zeros([outFeatures, inFeatures]))
        self.bias = bias ? parameter(.zeros([outFeatures])) : nil
    }

    public var parameters: [(String, Tensor)] {
        bias.map { [("weight", weight), ("bias", $0)] } ?? [("weight", weight)]
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.linear(weight: weight, bias: bias) }
}

public final class Embedding: Module {
    public let weight: Tensor

    public init(_ count: Int, _ dim: Int) { weight = parameter(.zeros([count, dim])) }

    public var parameters: [(String, Tensor)] { [("weight", weight)] }
    public var parameterKind: ParameterKind { .embedding }

    public func callAsFunction(_ ids: Indices) -> Tensor { embedding(weight, ids) }
}

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
