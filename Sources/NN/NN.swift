/// # NN
///
/// Neural-network building blocks on `Tensor`: modules with hierarchical, PyTorch-style parameter
/// names (`blocks.0.attn.qkv.weight`, this file), generic layers (Layers.swift), the GPT in one
/// file (GPT.swift: norm, causal attention, GELU/SwiGLU MLP, block, model, GPT-2 initialisation)
/// with its mixture-of-experts sibling (MixtureOfExperts.swift), the parametrisations SP/μP/
/// CompleteP (Parametrization.swift: init stds, forward multipliers, per-parameter optimizer
/// multipliers), the activation recorder of the coordinate check, the parameter arena and AdamW,
/// and incremental inference with a key/value cache (KVCache.swift, for generation).
/// Configs, their layer enums and parameter/FLOP accounting live in RunSchema.
import RunSchema
import Tensor

/// A node of the model tree. Parameters and children are listed explicitly (no reflection), in
/// a fixed order that defines state-dict names and arena layout.
public protocol Module: AnyObject {
    /// This module's own parameters, by local name ("weight", "bias").
    var parameters: [(String, Tensor)] { get }
    /// Child modules, by local name ("attn", "0").
    var children: [(String, any Module)] { get }
    /// Non-trainable state that belongs in checkpoints (PyTorch's buffers).
    var buffers: [(String, Tensor)] { get }
    /// What a parameter is, for optimizer groups (weight decay).
    var parameterKind: ParameterKind { get }
}

public struct NamedParameter {
    public let name: String
    public let tensor: Tensor
    public let kind: ParameterKind
}

extension Module {
    public var parameters: [(String, Tensor)] { [] }
    public var children: [(String, any Module)] { [] }
    public var buffers: [(String, Tensor)] { [] }
    public var parameterKind: ParameterKind { .weight }

    /// Every parameter under this module with its dotted name, depth first, in declaration order.
    /// A tensor reachable under two names (tied embeddings) is listed once, under the first.
    public func namedParameters() -> [NamedParameter] {
        var out: [NamedParameter] = []
        var seen = Set<ObjectIdentifier>()
        func visit(_ m: any Module, _ prefix: String) {
            for (n, t) in m.parameters where seen.insert(ObjectIdentifier(t)).inserted {
                let kind: ParameterKind = n.hasSuffix("bias") && m.parameterKind == .weight ? .bias : m.parameterKind
                out.append(NamedParameter(name: prefix + n, tensor: t, kind: kind))
            }
            for (n, c) in m.children { visit(c, prefix + n + ".") }
        }
        visit(self, "")
        return out
    }

    /// Every buffer under this module with its dotted name.
    public func namedBuffers() -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        func visit(_ m: any Module, _ prefix: String) {
            for (n, t) in m.buffers { out.append((prefix + n, t)) }
            for (n, c) in m.children { visit(c, prefix + n + ".") }
        }
        visit(self, "")
        return out
    }

    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.tensor.count } }
}

/// A parameter: a tensor that requires a gradient.
public func parameter(_ t: Tensor) -> Tensor {
    t.requiresGrad = true
    return t
}
