import Foundation
import RunSchema

/// One training run of a sweep, fully resolved.
public struct PlannedRun: Sendable {
    public enum Role: String, Codable, Sendable {
        /// A run trained from scratch (grid point, isoFLOP point, cosine baseline).
        case run
        /// A constant-LR WSD stable phase that keeps checkpoints at its branches' decay starts.
        case stable
        /// A WSD cooldown branch started from a stable run's checkpoint.
        case branch
    }

    public var id: String
    public var role: Role
    public var config: TrainConfig
    /// The run that must finish first (a branch's stable run).
    public var dependsOn: String?
    /// The FLOP budget an isoFLOP point was sized from (its actual C is `flops`).
    public var isoflopBudget: Double?
    /// A branch's decay start = the stable checkpoint step it starts from.
    public var branchStep: Int?
    /// The grid, model and budget parts of the id, e.g. ["lr0.001", "d64", "l2", "c1e13"].
    public var labels: [String]
    public var accounting: ModelAccounting
    /// Its point and seed group when the spec has `tune` or `seeds` (nil otherwise).
    public var membership: PointMembership? = nil

    public var steps: Int { config.totalSteps }
    public var tokensPerStep: Int { config.tokensPerStep }
    /// D: tokens seen by the end of the run (a branch counts its stable phase).
    public var tokens: Double { Double(steps * tokensPerStep) }
    public var flopsPerToken: Double { config.model.flopsPerToken }
    /// C = D × FLOPs per token, under the config's `model.flop_accounting`.
    public var flops: Double { tokens * flopsPerToken }
    /// Steps this run trains itself (a branch only trains its cooldown).
    public var stepsToTrain: Int { steps - (branchStep ?? 0) }
    /// FLOPs this run spends itself.
    public var costFLOPs: Double { Double(stepsToTrain * tokensPerStep) * flopsPerToken }
    /// D / N_active.
    public var tokensPerParam: Double { tokens / Double(max(accounting.activeParams, 1)) }
}

/// A point the planner left out, with the reason (printed by `sweep plan` and `sweep run`).
public struct DroppedRun: Sendable, Equatable {
    public var label: String
    public var reason: String
}

public struct SweepPlan: Sendable {
    public var specURL: URL
    public var spec: SweepSpec
    /// The sweep directory as the spec (or the default) names it, relative to the working directory.
    public var directoryPath: String
    public var runs: [PlannedRun]
    public var dropped: [DroppedRun]

    public var directory: URL { URL(fileURLWithPath: directoryPath) }
    public var store: SweepFiles { SweepFiles(directory) }
    public func run(_ id: String) -> PlannedRun? { runs.first { $0.id == id } }
    public var totalCostFLOPs: Double { runs.reduce(0) { $0 + $1.costFLOPs } }

    /// The order `sweep run` starts runs in: most FLOPs first (ties in plan order). Longest-first
    /// list scheduling keeps one long run (a held-out point, the largest budget) from starting
    /// last and running alone while the other slots idle; a branch still waits for its stable run.
    public static func launchOrder(_ runs: [PlannedRun]) -> [PlannedRun] {
        runs.enumerated().sorted { a, b in
            a.element.costFLOPs != b.element.costFLOPs ? a.element.costFLOPs > b.element.costFLOPs : a.offset < b.offset
        }.map(\.element)
    }
}
