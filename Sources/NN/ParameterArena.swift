import Foundation
import RunSchema
import Tensor

/// Per-parameter multipliers of the optimizer's learning rate, weight decay and ε: the
/// parameter groups of PyTorch's optimizers, as data on each arena entry. A parametrisation
/// (μP, CompleteP) fills them; the optimizer step reads them and knows nothing of the rules.
public struct OptimizerScale: Equatable, Sendable {
    public var lr: Float
    public var weightDecay: Float
    public var eps: Float

    public init(lr: Float = 1, weightDecay: Float = 1, eps: Float = 1) {
        self.lr = lr; self.weightDecay = weightDecay; self.eps = eps
    }

    public static let unit = OptimizerScale()
}

/// All parameters of a model in one contiguous buffer and all gradients in another (llm.c's
/// layout): the optimizer, zero-grad, clipping and checkpoint I/O are single loops, and every
/// parameter's `.grad` is a persistent view that backward accumulates into.
public final class ParameterArena {
    public struct Entry {
        public let name: String
        public let tensor: Tensor
        public let kind: ParameterKind
        public let offset: Int
        /// This parameter's optimizer group multipliers (`.unit` unless a parametrisation set them).
        public let scale: OptimizerScale
        public var count: Int { tensor.count }
    }

    public let values: Arena
    public let grads: Arena
    public let entries: [Entry]
    public var count: Int { values.count }

    /// `scale` gives each parameter its optimizer multipliers (e.g. `GPT.optimizerScale`).
    public init(_ model: any Module, scale: (NamedParameter) -> OptimizerScale = { _ in .unit }) {
        var entries: [Entry] = []
        var offset = 0
        for p in model.namedParameters() {
            entries.append(Entry(name: p.name, tensor: p.tensor, kind: p.kind, offset: offset, scale: scale(p)))
            offset += (p.tensor.count + 15) / 16 * 16  // 64-byte aligned starts
        }
        values = Arena(count: offset)
        grads = Arena(count: offset)
        for e in entries {
            e.tensor.moveIntoArena(values, offset: e.offset)
            e.tensor.grad = Tensor(shape: e.tensor.shape, arena: grads, offset: e.offset)
        }
        self.entries = entries
    }

    public func zeroGrad() {
        grads.pointer.update(repeating: 0, count: grads.count)
    }

    /// ‖g‖₂ over every gradient, summed in Double per fixed chunk (deterministic).
    public func gradNorm() -> Double {
        let g = grads.pointer, n = grads.count
        let chunks = chunkCount(n, grain: 1 << 16)
        var partial = [Double](repeating: 0, count: chunks)
        partial.withUnsafeMutableBufferPointer { pp in
            parallelChunks(n, grain: 1 << 16) { c, r in
                var s: Float = 0, total = 0.0
                var i = r.lowerBound
                while i < r.upperBound {  // Float blocks of 1024 keep precision and vectorise
                    let end = Swift.min(i + 1024, r.upperBound)
                    s = 0
                    for j in i..<end { s += g[j] * g[j] }
                    total += Double(s)
                    i = end
                }
                pp[c] = total
            }
        }
        return partial.reduce(0, +).squareRoot()
    }

    public func scaleGrads(_ s: Float) {
        let g = grads.pointer
        parallelFor(grads.count, grain: 1 << 16) { r in for i in r { g[i] *= s } }
    }

    public subscript(name: String) -> Entry? { entries.first { $0.name == name } }
}
