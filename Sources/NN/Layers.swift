/// The generic layers models are built from, as `torch.nn.Linear` and `torch.nn.Embedding` are
/// for nanoGPT's model.py: the GPT (GPT.swift) and its mixture of experts use them.
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

/// A lookup table [count, dim]: row i is the vector of token (or position) i.
public final class Embedding: Module {
    public let weight: Tensor

    public init(_ count: Int, _ dim: Int) { weight = parameter(.zeros([count, dim])) }

    public var parameters: [(String, Tensor)] { [("weight", weight)] }
    public var parameterKind: ParameterKind { .embedding }

    public func callAsFunction(_ ids: Indices) -> Tensor { embedding(weight, ids) }
}
