import Foundation
import RunSchema

/// The learning rate of every optimiser step of one run, as the schedule laws consume it:
/// `lr[0]` is the rate of step 1 (the first update; metrics.jsonl logs that update as step 1).
/// It comes either from a schedule (`init(_:)`, RunSchema's `LRSchedule`, the one definition of
/// constant, cosine and WSD with every decay shape, shared with the trainer) or from the rates a
/// run logged (`interpolating`).
public struct LRTrace: Sendable, Equatable {
    public var lr: [Double]

    public init(perStep lr: [Double]) { self.lr = lr }

    /// Every step of `schedule`: the trainer's 0-based step s is the trace's step s + 1, so
    /// `lr[s] = schedule.lr(step: s)`.
    public init(_ schedule: LRSchedule) {
        lr = (0..<schedule.totalSteps).map { schedule.lr(step: $0) }
    }

    public var steps: Int { lr.count }

    /// Rebuilds a per-step schedule from logged (step, lr) pairs by linear interpolation between
    /// logged steps (exact for piecewise-linear schedules logged at their corners, close for
    /// smooth ones logged densely). Before the first logged step the line through the first two
    /// logged points is extended (so a linear warmup from 0 logged every k steps comes back
    /// exactly), floored at 0; after the last, the last value is kept.
    public static func interpolating(steps: [Double], lr: [Double], through lastStep: Int? = nil) -> LRTrace {
        precondition(steps.count == lr.count && !steps.isEmpty)
        let order = steps.indices.sorted { steps[$0] < steps[$1] }
        let xs = order.map { steps[$0] }, ys = order.map { lr[$0] }
        let last = lastStep ?? Int(xs.last!.rounded())
        var values: [Double] = []
        values.reserveCapacity(max(last, 0))
        var j = 0
        for step in stride(from: 1, through: last, by: 1) {
            let x = Double(step)
            while j + 1 < xs.count && xs[j + 1] <= x { j += 1 }
            if x <= xs[0] {
                if xs.count >= 2 && xs[1] > xs[0] {
                    let slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
                    values.append(max(0, ys[0] + slope * (x - xs[0])))
                } else {
                    values.append(ys[0])
                }
                continue
            }
            if j + 1 >= xs.count { values.append(ys[xs.count - 1]); continue }
            let t = (x - xs[j]) / (xs[j + 1] - xs[j])
            values.append(ys[j] + t * (ys[j + 1] - ys[j]))
        }
        return LRTrace(perStep: values)
    }
}

/// A schedule precomputed for the schedule laws, in units of a reference learning rate (the
/// largest rate over the fitted curves) so that parameters are O(1) whatever the rates are.
public struct PreparedSchedule: Sendable {
    /// Warmup length W: the steps up to the first peak when the rate rises before it, else 0.
    public let warmup: Int
    /// Normalised rates of steps 1…T.
    let eta: [Double]
    /// prefix[t] = Σ_{τ ≤ t} η_τ over all steps (prefix[0] = 0).
    let prefix: [Double]
    /// Post-warmup steps k (absolute) with η_{k−1} ≠ η_k (η_W = the peak for k = W+1), their
    /// rate drop η_{k−1} − η_k and log η_k.
    let dropStep: [Int]
    let drop: [Double]
    let logEta: [Double]

    init(_ schedule: LRTrace, referenceLR: Double) {
        eta = schedule.lr.map { $0 / referenceLR }
        var w = 0
        if let peak = eta.max(), let first = eta.firstIndex(of: peak), first > 0, eta[0] < peak {
            w = first + 1
        }
        warmup = w
        var p = [0.0]
        p.reserveCapacity(eta.count + 1)
        for v in eta { p.append(p.last! + v) }
        prefix = p
        var steps: [Int] = [], drops: [Double] = [], logs: [Double] = []
        var previous = w > 0 ? eta[w - 1] : (eta.first ?? 0)
        for k in stride(from: w + 1, through: eta.count, by: 1) {
            let current = eta[k - 1]
            if current != previous {
                steps.append(k); drops.append(previous - current)
                logs.append(current > 0 ? Foundation.log(current) : -Double.infinity)
            }
            previous = current
        }
        dropStep = steps; drop = drops; logEta = logs
    }

    /// Σ_{τ ≤ W} η_τ.
    var warmupSum: Double { prefix[warmup] }
    /// Σ_{W < τ ≤ t} η_τ.
    func postWarmupSum(_ t: Int) -> Double { prefix[t] - prefix[warmup] }
}
