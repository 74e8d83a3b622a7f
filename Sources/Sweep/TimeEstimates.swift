import Foundation
import RunSchema

/// Run-time estimates from a throughput probe (seconds per step and per eval batch for a model
/// shape at the planned threads per job), and the sweep's wall time under `jobs` parallel slots.
public struct TimeEstimates: Sendable {
    public struct Speed: Sendable {
        public var secondsPerStep: Double
        public var secondsPerEvalBatch: Double
        public init(secondsPerStep: Double, secondsPerEvalBatch: Double) {
            self.secondsPerStep = secondsPerStep
            self.secondsPerEvalBatch = secondsPerEvalBatch
        }
    }

    /// Seconds per run id.
    public var seconds: [String: Double]
    /// Distinct shapes measured, and the probe's own wall time.
    public var probedShapes: Int
    public var probeSeconds: Double
    /// Process start, data and model set-up per run (measured on this machine: a few tenths of a second).
    public static let startupSeconds = 0.5

    /// Probes at most `maxProbes` distinct shapes (spread over their FLOPs per step); the others
    /// get the measured FLOP/s of the nearest probed shape.
    public static func measure(_ plan: SweepPlan, maxProbes: Int = 8, probe: (TrainConfig) -> Speed) -> TimeEstimates {
        let start = Date()
        var shapes: [String: PlannedRun] = [:]
        for run in plan.runs {
            let key = shapeKey(run)
            if shapes[key] == nil { shapes[key] = run }
        }
        let byCost = shapes.values.sorted { flopsPerStep($0) < flopsPerStep($1) }
        var picks = byCost
        if byCost.count > maxProbes {
            picks = (0..<maxProbes).map { byCost[Int((Double($0) * Double(byCost.count - 1) / Double(maxProbes - 1)).rounded())] }
        }
        var measured: [String: Speed] = [:]
        for run in picks where measured[shapeKey(run)] == nil { measured[shapeKey(run)] = probe(run.config) }
        func speed(_ run: PlannedRun) -> Speed {
            if let s = measured[shapeKey(run)] { return s }
            let nearest = picks.min { abs(log(flopsPerStep($0) / flopsPerStep(run))) < abs(log(flopsPerStep($1) / flopsPerStep(run))) }!
            let s = measured[shapeKey(nearest)]!
            let scale = flopsPerStep(run) / flopsPerStep(nearest)
            return Speed(secondsPerStep: s.secondsPerStep * scale, secondsPerEvalBatch: s.secondsPerEvalBatch * scale)
        }
        var seconds: [String: Double] = [:]
        var valTokens: [String: Int?] = [:]
        for run in plan.runs {
            let s = speed(run), t = run.config.train
            let from = run.branchStep ?? 0
            let evals = run.steps / t.evalInterval - from / t.evalInterval + (run.steps % t.evalInterval == 0 ? 0 : 1)
            // The final eval covers final_eval_tokens of the validation split (all of it when null
            // or when the split is smaller), in batches of batch_size windows.
            let dir = run.config.data.dir
            if valTokens[dir] == nil { valTokens[dir] = .some(ConfigLoading.valTokens(dataDir: dir)) }
            let split = valTokens[dir]!
            let finalTokens = [t.finalEvalTokens, split].compactMap { $0 }.min() ?? 0
            let finalBatches = Double(finalTokens) / Double(t.batchSize * run.config.model.contextLength)
            seconds[run.id] = Double(run.stepsToTrain) * s.secondsPerStep
                + (Double(evals * t.evalBatches) + finalBatches) * s.secondsPerEvalBatch + startupSeconds
        }
        return TimeEstimates(seconds: seconds, probedShapes: measured.count, probeSeconds: Date().timeIntervalSince(start))
    }

    /// Wall time of running `runs` on `jobs` slots in the executor's launch order, a branch not
    /// before its stable run ends (greedy list scheduling, as the executor does).
    public func wallSeconds(_ runs: [PlannedRun], jobs: Int) -> Double {
        let ids = Set(runs.map(\.id))
        var slots = [Double](repeating: 0, count: max(1, jobs))
        var ends: [String: Double] = [:]
        var pending = SweepPlan.launchOrder(runs)
        func ready(_ r: PlannedRun) -> Double {
            guard let d = r.dependsOn, ids.contains(d) else { return 0 }
            return ends[d] ?? .infinity
        }
        while !pending.isEmpty {
            let i = slots.indices.min { slots[$0] < slots[$1] }!
            // The first run in order that can start now, else the one whose stable run ends first.
            let k = pending.firstIndex { ready($0) <= slots[i] }
                ?? pending.indices.min { ready(pending[$0]) < ready(pending[$1]) }!
            let run = pending.remove(at: k)
            let r = ready(run)
            slots[i] = max(slots[i], r.isFinite ? r : 0) + (seconds[run.id] ?? 0)
            ends[run.id] = slots[i]
        }
        return slots.max() ?? 0
    }

    static func shapeKey(_ run: PlannedRun) -> String {
        let c = run.config
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let model = (try? encoder.encode(c.model)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return "\(model)|\(c.train.batchSize)|\(c.train.gradAccum)"
    }

    static func flopsPerStep(_ run: PlannedRun) -> Double { run.flopsPerToken * Double(run.tokensPerStep) }
}
