/// Helpers for the mixture-of-experts tests: seeded layers, inputs with forced routing, and a
/// naive per-token reference built from plain Tensor ops.
import Foundation
import NN
import RunSchema
import Tensor
import Testing
import TestSupport

/// A layer with every parameter drawn from N(0, std²) (the layer itself starts at zero).
func makeMoE(
    d: Int = 8, dFF: Int = 16, activation: FeedForward.Activation = .gelu, bias: Bool = true,
    seed: UInt64 = 1, std: Float = 0.5, _ edit: (inout MoEConfig) -> Void = { _ in }
) -> MixtureOfExperts {
    var config = MoEConfig(numExperts: 4, topK: 2)
    edit(&config)
    let moe = MixtureOfExperts(dModel: d, dFF: dFF, config: config, activation: activation, bias: bias)
    for (i, p) in moe.namedParameters().enumerated() {
        p.tensor.assign(randn(p.tensor.shape, seed: seed &* 1000 &+ UInt64(i), std: std))
    }
    return moe
}

/// Routes every token to `experts` (in that order of preference), whatever the rest of the
/// input: column 0 of x is set to 3 and router row `experts[j]` gets a large weight on it.
func forceRouting(_ moe: MixtureOfExperts, _ x: Tensor, to experts: [Int]) {
    let d = x.shape[1], n = x.shape[0]
    moe.router.weight.makeUnique()
    for (j, e) in experts.enumerated() { moe.router.weight.data[e * d] = 4 - Float(j) }
    for e in 0..<moe.router.weight.shape[0] where !experts.contains(e) { moe.router.weight.data[e * d] = -2 }
    x.makeUnique()
    for t in 0..<n { x.data[t * d] = 3 }
}

/// The layer's own selection for these inputs (router → scores (+ bias) → top-k), for checking
/// that finite-difference perturbations do not change which experts are chosen.
func routing(_ moe: MixtureOfExperts, _ x: Tensor) -> [Int32] {
    Tensor.noGrad {
        let logits = x.reshaped([-1, x.shape.last!]).linear(weight: moe.router.weight, bias: nil)
        let scores = moe.config.routerScoring == .softmax ? logits.softmax() : logits.sigmoid()
        let biased = moe.config.balancing == .bias ? scores + moe.expertBias : scores
        return biased.topK(moe.config.activeExperts).values
    }
}

/// Smallest gap, over tokens, between the k-th and (k+1)-th selection score (∞ when k = E).
func routingMargin(_ moe: MixtureOfExperts, _ x: Tensor) -> Float {
    Tensor.noGrad {
        let logits = x.reshaped([-1, x.shape.last!]).linear(weight: moe.router.weight, bias: nil)
        let scores = moe.config.routerScoring == .softmax ? logits.softmax() : logits.sigmoid()
        let biased = moe.config.balancing == .bias ? scores + moe.expertBias : scores
        let e = biased.shape[1], k = moe.config.activeExperts
        guard k < e else { return .infinity }
        var margin = Float.infinity
        for t in 0..<biased.shape[0] {
            let row = biased.scalars[(t * e)..<((t + 1) * e)].sorted(by: >)
            margin = min(margin, row[k - 1] - row[k])
        }
        return margin
    }
}

/// Per-expert assignment counts of a selection.
func counts(_ chosen: [Int32], experts: Int) -> [Int] {
    var c = [Int](repeating: 0, count: experts)
    for e in chosen { c[Int(e)] += 1 }
    return c
}

/// The mixture of experts written the slow, obvious way: for each token, score the experts,
/// pick the top k (ties to the lower index), weight each chosen expert's MLP by its gate, and
/// sum. `capacity` drops an expert's assignments beyond its first `capacity` in token order.
/// Built only from narrow/linear/activation/arithmetic ops, so autograd gives the reference
/// gradients too.
func referenceMoE(
    _ moe: MixtureOfExperts, _ x: Tensor, activation: FeedForward.Activation, capacity: Int? = nil
) -> Tensor {
    let (n, d) = (x.shape[0], x.shape[1])
    let c = moe.config, e = c.routedExperts, k = c.activeExperts
    let width = moe.experts.projWeight.shape[2], fcWidth = moe.experts.fcWeight.shape[1]
    var used = [Int](repeating: 0, count: e)
    var rows: [Tensor] = []
    for t in 0..<n {
        let xt = x.narrowed(axis: 0, start: t, length: 1)
        let logits = xt.linear(weight: moe.router.weight, bias: nil)
        let scores = c.routerScoring == .softmax ? logits.softmax() : logits.sigmoid()
        let s = scores.scalars, bias = moe.expertBias.scalars
        let selection = c.balancing == .bias ? zip(s, bias).map { $0 + $1 } : s
        let chosen = (0..<e).sorted { selection[$0] > selection[$1] || (selection[$0] == selection[$1] && $0 < $1) }
            .prefix(k)
        var gates = chosen.map { scores.narrowed(axis: 1, start: $0, length: 1) }
        if c.normalizeGates && k > 1 {
            let total = gates.dropFirst().reduce(gates[0]) { $0 + $1 }
            gates = gates.map { $0 / total }
        }
        var y: Tensor?
        for (expert, gate) in zip(chosen, gates) {
            used[expert] += 1
            if let capacity, used[expert] > capacity { continue }
            let w1 = moe.experts.fcWeight.narrowed(axis: 0, start: expert, length: 1).reshaped([fcWidth, d])
            let b1 = moe.experts.fcBias?.narrowed(axis: 0, start: expert, length: 1).reshaped([fcWidth])
            let w2 = moe.experts.projWeight.narrowed(axis: 0, start: expert, length: 1).reshaped([d, width])
            let b2 = moe.experts.projBias?.narrowed(axis: 0, start: expert, length: 1).reshaped([d])
            var h = xt.linear(weight: w1, bias: b1)
            switch activation {
            case .gelu: h = h.gelu(approximate: true)
            case .swiglu: h = h.swiglu()
            case .relu: h = h.relu()
            }
            let contribution = h.linear(weight: w2, bias: b2) * gate
            y = y.map { $0 + contribution } ?? contribution
        }
        if let shared = moe.shared {
            y = y.map { $0 + shared(xt) } ?? shared(xt)
        }
        rows.append(y ?? .zeros([1, d]))
    }
    return Tensor.concat(rows, axis: 0)
}

/// The value of `f` and the gradients of ⟨f, cotangent⟩ w.r.t. `tensors` (zeros where none flowed).
func valueAndGradients(_ tensors: [Tensor], cotangent: Tensor, _ f: () -> Tensor) -> (value: [Float], grads: [[Float]]) {
    for t in tensors { t.requiresGrad = true; t.grad = nil }
    let y = f()
    (y * cotangent).sum().backward()
    return (y.scalars, tensors.map { $0.grad?.scalars ?? [Float](repeating: 0, count: $0.count) })
}

/// Rows [start, start + count) of expert slot `expert` of a stacked [E, …] tensor.
func expertSlice(_ values: [Float], experts: Int, _ expert: Int) -> ArraySlice<Float> {
    let per = values.count / experts
    return values[(expert * per)..<((expert + 1) * per)]
}

func evalForward(_ moe: MixtureOfExperts, _ x: Tensor) -> Tensor {
    var ctx = ForwardContext(training: false)
    return moe.forward(x, context: &ctx)
}

func trainForward(_ moe: MixtureOfExperts, _ x: Tensor) -> Tensor {
    var ctx = ForwardContext(training: true)
    return moe.forward(x, context: &ctx)
}

/// One parametrised layer configuration of the MoE tests.
struct MoECase: Sendable, CustomTestStringConvertible {
    var name: String
    var activation: FeedForward.Activation
    var bias: Bool
    var seed: UInt64
    var std: Float
    var config: MoEConfig

    init(_ name: String, _ activation: FeedForward.Activation = .gelu, bias: Bool = true, seed: UInt64 = 3,
         std: Float = 0.5, base: MoEConfig = MoEConfig(numExperts: 4, topK: 2),
         _ edit: (inout MoEConfig) -> Void = { _ in }) {
        self.name = name
        self.activation = activation
        self.bias = bias
        self.seed = seed
        self.std = std
        config = base
        edit(&config)
    }

    var testDescription: String { name }

    func layer() -> MixtureOfExperts {
        makeMoE(activation: activation, bias: bias, seed: seed, std: std) { $0 = config }
    }
}
