/// The mixture-of-experts feed-forward (GPT.swift's sibling: a block takes it in place of the
/// dense MLP when the config's `moe` section selects that layer), its routing statistics and
/// the dispatch plan that groups tokens by expert.
import Foundation
import RunSchema
import Tensor

/// Per-layer routing statistics from the last forward pass (logged in metrics.jsonl).
public struct MoEStats: Codable, Sendable {
    /// Fraction of routed assignments each expert received (before capacity drops); sums to 1.
    public var load: [Float]
    public var auxLoss: Float
    public var zLoss: Float
    /// Fraction of assignments dropped by the capacity limit (0 when dropless).
    public var dropRate: Float
    /// max load / mean load (1 = perfectly balanced).
    public var maxLoadRatio: Float { (load.max() ?? 0) * Float(load.count) }
}

/// The routed experts of one MoE layer, stacked: fc [E, w, d], proj [E, d, d_expert].
public final class ExpertBank: Module {
    public let fcWeight: Tensor, fcBias: Tensor?
    public let projWeight: Tensor, projBias: Tensor?

    init(experts e: Int, dModel d: Int, width: Int, gatedWidth: Int, bias: Bool) {
        fcWeight = parameter(.zeros([e, gatedWidth, d]))
        fcBias = bias ? parameter(.zeros([e, gatedWidth])) : nil
        projWeight = parameter(.zeros([e, d, width]))
        projBias = bias ? parameter(.zeros([e, d])) : nil
    }

    public var parameters: [(String, Tensor)] {
        var p: [(String, Tensor)] = [("fc.weight", fcWeight)]
        if let fcBias { p.append(("fc.bias", fcBias)) }
        p.append(("proj.weight", projWeight))
        if let projBias { p.append(("proj.bias", projBias)) }
        return p
    }
}

/// Token-choice top-k mixture of experts in place of a dense MLP.
///
/// router (linear, no bias) → softmax or sigmoid scores → top-k per token (on scores + the
/// balancing bias when `balancing = bias`) → gate weights = the chosen scores, renormalised over
/// the k chosen when k > 1 → tokens grouped by expert (a stable permutation) → one GEMM per
/// expert over all its tokens (`groupedLinear`), activation, second grouped GEMM → weighted
/// scatter-add back to token order (+ shared experts every token passes through).
///
/// Dropless by default; with a capacity factor each expert keeps its first ⌈cf·N·k/E⌉ (at most
/// N) assignments in token order and the rest are dropped: a dropped assignment contributes
/// exactly 0 (a token dropped by all its experts keeps only the residual and shared experts).
public final class MixtureOfExperts: Module, FeedForwardLayer {
    public let config: MoEConfig
    public let router: Linear
    public let experts: ExpertBank
    public let shared: FeedForward?
    /// Selection-only bias of auxiliary-loss-free balancing (a checkpointed buffer).
    public let expertBias: Tensor
    let activation: FeedForward.Activation
    let width: Int
    public private(set) var auxiliaryLoss: Tensor?
    public private(set) var lastStats: MoEStats?
    /// Assignment counts since the last bias update (balancing = bias).
    private var pendingCounts: [Int]

    public init(dModel: Int, dFF: Int, config: MoEConfig, activation: FeedForward.Activation, bias: Bool) {
        self.config = config
        self.activation = activation
        let e = config.routedExperts
        width = config.expertWidth(dFF: dFF)
        router = Linear(dModel, e, bias: false)
        experts = ExpertBank(experts: e, dModel: dModel, width: width,
                             gatedWidth: activation == .swiglu ? 2 * width : width, bias: bias)
        shared = config.sharedExperts > 0
            ? FeedForward(dModel: dModel, dFF: config.sharedExperts * width, activation: activation, bias: bias) : nil
        expertBias = .zeros([e])
        pendingCounts = [Int](repeating: 0, count: e)
    }

    public var children: [(String, any Module)] {
        var c: [(String, any Module)] = [("router", router), ("experts", experts)]
        if let shared { c.append(("shared", shared)) }
        return c
    }
    public var buffers: [(String, Tensor)] { [("expert_bias", expertBias)] }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        let d = x.shape.last!, n = x.count / d
        let e = config.routedExperts, k = config.activeExperts
        let xf = x.reshaped([n, d])
        let logits = router(xf)
        let scores = config.routerScoring == .softmax ? logits.softmax() : logits.sigmoid()

        // Selection (not differentiable): on biased scores for auxiliary-loss-free balancing.
        let chosen: Indices = Tensor.noGrad {
            config.balancing == .bias ? (scores + expertBias).topK(k) : scores.topK(k)
        }
        var gates = scores.takeAlongLastAxis(chosen)  // [n, k]
        // With k = 1 renormalising would make every gate 1 and cut the router's gradient.
        if config.normalizeGates && k > 1 { gates = gates / gates.sum(axis: -1, keepDims: true) }

        let plan = DispatchPlan(chosen: chosen.values, tokens: n, experts: e, slots: k,
                                capacityFactor: config.capacityFactor)
        let xe = xf.gatherRows(plan.tokenOfRow)
        var h = groupedLinear(xe, weight: experts.fcWeight, bias: experts.fcBias, groupSizes: plan.groupSizes)
        switch activation {
        case .gelu: h = h.gelu(approximate: true)
        case .swiglu: h = h.swiglu()
        case .relu: h = h.relu()
        }
        let ye = groupedLinear(h, weight: experts.projWeight, bias: experts.projBias, groupSizes: plan.groupSizes)
        let rowGates = gates.reshaped([n * k, 1]).gatherRows(plan.assignmentOfRow).reshaped([plan.tokenOfRow.count])
        var out = scatterAddRows(ye, weights: rowGates, rows: plan.tokenOfRow, count: n)
        if let shared { out = out + shared(xf) }

        // Balancing losses (training only).
        let load = plan.routedCounts.map { Float($0) / Float(max(n * k, 1)) }
        var aux: Tensor?, auxValue: Float = 0, zValue: Float = 0
        if context.training {
            if config.balancing == .auxLoss && config.auxLossCoef > 0 {
                // α·E·Σᵢ fᵢ·Pᵢ, P = mean router probability (sigmoid scores normalised per token).
                let probs = config.routerScoring == .softmax ? scores : scores / scores.sum(axis: -1, keepDims: true)
                let lb = (probs.mean(axis: 0) * Tensor(shape: [e], scalars: load)).sum() * (config.auxLossCoef * Float(e))
                auxValue = lb.item()
                aux = lb
            }
            if config.zLossCoef > 0 {
                let lse = logits.logSumExp()
                let z = (lse * lse).mean() * config.zLossCoef
                zValue = z.item()
                aux = aux.map { $0 + z } ?? z
            }
            if config.balancing == .bias { for i in 0..<e { pendingCounts[i] += plan.routedCounts[i] } }
        }
        auxiliaryLoss = aux
        lastStats = MoEStats(load: load, auxLoss: auxValue, zLoss: zValue, dropRate: plan.dropRate)
        return out.reshaped(x.shape)
    }

    /// Auxiliary-loss-free balancing: after an optimizer step, raise the bias of under-loaded
    /// experts and lower it for over-loaded ones by γ (DeepSeek-V3's sign update).
    public func updateBalancingBias() {
        guard config.balancing == .bias else { return }
        let total = pendingCounts.reduce(0, +)
        guard total > 0 else { return }
        let mean = Float(total) / Float(pendingCounts.count)
        expertBias.makeUnique()
        for i in 0..<pendingCounts.count {
            let c = Float(pendingCounts[i])
            expertBias.data[i] += c < mean ? config.biasUpdateRate : (c > mean ? -config.biasUpdateRate : 0)
        }
        pendingCounts = [Int](repeating: 0, count: pendingCounts.count)
    }
}

/// The permutation that groups (token, slot) assignments by expert.
struct DispatchPlan {
    /// For each dispatched row (grouped by expert, token order within a group): its token, and its
    /// flat assignment index token·k + slot (to fetch the gate).
    var tokenOfRow: [Int32] = []
    var assignmentOfRow: [Int32] = []
    var groupSizes: [Int]
    /// Assignments per expert before capacity drops.
    var routedCounts: [Int]
    var dropRate: Float = 0

    init(chosen: [Int32], tokens n: Int, experts e: Int, slots k: Int, capacityFactor: Double?) {
        routedCounts = [Int](repeating: 0, count: e)
        for c in chosen { routedCounts[Int(c)] += 1 }
        let capacity = capacityFactor.map { DispatchPlan.capacity(factor: $0, tokens: n, experts: e, slots: k) } ?? Int.max
        groupSizes = routedCounts.map { min($0, capacity) }
        var start = [Int](repeating: 0, count: e)
        for i in 1..<max(e, 1) { start[i] = start[i - 1] + groupSizes[i - 1] }
        let rows = groupSizes.reduce(0, +)
        tokenOfRow = [Int32](repeating: 0, count: rows)
        assignmentOfRow = [Int32](repeating: 0, count: rows)
        var filled = [Int](repeating: 0, count: e)
        for a in 0..<(n * k) {
            let ex = Int(chosen[a])
            guard filled[ex] < groupSizes[ex] else { continue }  // over capacity: dropped
            let r = start[ex] + filled[ex]
            tokenOfRow[r] = Int32(a / k)
            assignmentOfRow[r] = Int32(a)
            filled[ex] += 1
        }
        dropRate = n * k > 0 ? Float(n * k - rows) / Float(n * k) : 0
    }

    /// ⌈factor·N·k/E⌉, at most N (an expert appears once per token). The ceiling forgives a
    /// relative excess of 1e-9: in binary 1.1·100/11 is 10.000000000000002, which must give 10.
    static func capacity(factor: Double, tokens n: Int, experts e: Int, slots k: Int) -> Int {
        let exact = Double(n * k) * factor / Double(max(e, 1))
        guard exact < Double(n) else { return n }
        return Int((exact * (1 - 1e-9)).rounded(.up))
    }
}
