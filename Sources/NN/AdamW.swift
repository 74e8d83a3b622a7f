import Foundation
import RunSchema
import Tensor

/// AdamW (Loshchilov & Hutter 2019) with PyTorch's semantics: decoupled weight decay
/// p ← p·(1 − lr·λ), then the bias-corrected Adam step, in one loop over the parameter arena.
/// Each entry's `OptimizerScale` multiplies its lr, λ and ε (parameter groups: how μP and
/// CompleteP reach the optimizer). Multipliers of 1 leave the arithmetic bit-identical.
public final class AdamW {
    public struct Hyperparameters: Equatable, Sendable {
        public var beta1: Float = 0.9
        public var beta2: Float = 0.95
        public var eps: Float = 1e-8
        public var weightDecay: Float = 0.1
        /// Parameter kinds that decay (default: matmul weights only, not norms, biases, embeddings).
        public var decay: Set<ParameterKind> = [.weight]

        public init() {}
    }

    public let parameters: ParameterArena
    public let hyper: Hyperparameters
    /// First and second moments, laid out like the parameter arena.
    public let m: Arena
    public let v: Arena
    /// Completed steps (bias correction uses step + 1).
    public var step = 0

    public init(_ parameters: ParameterArena, _ hyper: Hyperparameters) {
        self.parameters = parameters
        self.hyper = hyper
        m = Arena(count: parameters.count)
        v = Arena(count: parameters.count)
    }

    public func update(lr: Float) {
        step += 1
        let b1 = hyper.beta1, b2 = hyper.beta2, eps = hyper.eps
        let c1 = 1 - Float(Foundation.pow(Double(b1), Double(step)))
        let c2 = 1 - Float(Foundation.pow(Double(b2), Double(step)))
        let invSqrtC2 = 1 / c2.squareRoot()
        let p = parameters.values.pointer, g = parameters.grads.pointer, mp = m.pointer, vp = v.pointer
        let entries = parameters.entries, decayKinds = hyper.decay, weightDecay = hyper.weightDecay
        // One loop over the whole arena, so that the many small tensors of a small model are
        // split over threads too (per tensor, most of them fell under the grain and ran on the
        // calling thread alone); each chunk updates the part of every entry that falls in it.
        parallelFor(parameters.count, grain: 1 << 15) { r in
            for e in entries where e.offset < r.upperBound && e.offset + e.count > r.lowerBound {
                let groupLR = lr * e.scale.lr, groupEps = eps * e.scale.eps
                let decay: Float = decayKinds.contains(e.kind) ? 1 - groupLR * (weightDecay * e.scale.weightDecay) : 1
                let stepSize = groupLR / c1
                // 8 lanes at a time (the scalar loop did not vectorise); each lane does the scalar
                // formula's operations in the same order, so results are bit-identical to it
                // however the arena is chunked.
                @inline(__always) func step(_ p: Vec8, _ g: Vec8, _ m: Vec8, _ v: Vec8) -> (Vec8, Vec8, Vec8) {
                    let mi = b1 * m + (1 - b1) * g, vi = b2 * v + (1 - b2) * g * g
                    return (p * decay - stepSize * mi / (vi.squareRoot() * invSqrtC2 + groupEps), mi, vi)
                }
                let start = Swift.max(r.lowerBound, e.offset), end = Swift.min(r.upperBound, e.offset + e.count)
                let full = start + ((end - start) & ~7)
                var i = start
                while i < full {
                    let (pi, mi, vi) = step(load8(p + i), load8(g + i), load8(mp + i), load8(vp + i))
                    store8(pi, p + i); store8(mi, mp + i); store8(vi, vp + i)
                    i += 8
                }
                let lanes = end - full
                if lanes > 0 {
                    let (pi, mi, vi) = step(loadPartial(p + i, lanes), loadPartial(g + i, lanes),
                                            loadPartial(mp + i, lanes), loadPartial(vp + i, lanes))
                    storePartial(pi, p + i, lanes); storePartial(mi, mp + i, lanes); storePartial(vi, vp + i, lanes)
                }
            }
        }
    }
}
