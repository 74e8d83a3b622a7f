import Foundation
import RunSchema
import Tensor

/// AdamW (Loshchilov & Hutter 2019) with PyTorch's semantics: decoupled weight decay
/// p ← p·(1 − lr·λ), then the bias-corrected Adam step. One loop over the parameter arena per
/// parameter; each entry's `OptimizerScale` multiplies its lr, λ and ε (parameter groups: how
/// μP and CompleteP reach the optimizer). Multipliers of 1 leave the arithmetic bit-identical.
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
        for e in parameters.entries {
            let groupLR = lr * e.scale.lr, groupEps = eps * e.scale.eps
            let decay: Float = hyper.decay.contains(e.kind) ? 1 - groupLR * (hyper.weightDecay * e.scale.weightDecay) : 1
            let stepSize = groupLR / c1
            let base = e.offset
            parallelFor(e.count, grain: 1 << 15) { r in
                // 8 lanes at a time (the scalar loop did not vectorise); each lane does the scalar
                // formula's operations in the same order, so results are bit-identical to it.
                var j = r.lowerBound
                while j < r.upperBound {
                    let i = base + j, lanes = Swift.min(8, r.upperBound - j)
                    let gi = load(g + i, lanes), mi = b1 * load(mp + i, lanes) + (1 - b1) * gi
                    let vi = b2 * load(vp + i, lanes) + (1 - b2) * gi * gi
                    let pi = load(p + i, lanes) * decay - stepSize * mi / (vi.squareRoot() * invSqrtC2 + groupEps)
                    store(mi, mp + i, lanes); store(vi, vp + i, lanes); store(pi, p + i, lanes)
                    j += lanes
                }
            }
        }
    }
}

@inline(__always) private func load(_ p: UnsafeMutablePointer<Float>, _ lanes: Int) -> Vec8 {
    if lanes == 8 { return UnsafeRawPointer(p).loadUnaligned(as: Vec8.self) }
    var v = Vec8(repeating: 0)
    for l in 0..<lanes { v[l] = p[l] }
    return v
}

@inline(__always) private func store(_ v: Vec8, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
    if lanes == 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec8.self); return }
    for l in 0..<lanes { p[l] = v[l] }
}
