import Foundation
import RunSchema

/// Seed means and tuned marks of the results table (see `PointMembership` for points and seed
/// groups, `ResultsColumns` for the columns).
///
/// - Every row gets `kind` (`run`), and with tune/seeds its `point`.
/// - With seeds, each seed group gets a `mean` row right after its runs: the first run's row
///   with `run_id` = the group id, `seed`, `status`, `wall_time_s` empty, `loss`, `val_loss`,
///   `val_bpb`, `best_val_loss` averaged over the finished seeds, `val_loss_std` (n − 1; empty for one seed)
///   and `n_seeds`.
/// - With tune, the best of each point is the candidate (the seed means with seeds, else the
///   runs) with the lowest val_loss (loss when it has none); it and, with seeds, its runs get
///   `tuned` = 1, the point's other rows 0. The best candidate's `tune_edge` says when a tuned
///   value is the lowest or highest (numerically) of its grid: the optimum may lie beyond it.
extension Results {
    public static func annotate(_ runs: [(row: Row, membership: PointMembership?)], tune: [SweepSpec.Tune], seeded: Bool) -> [Row] {
        var rows: [Row] = []
        var members: [PointMembership?] = []
        var i = 0
        while i < runs.count {
            var row = runs[i].row
            row[ResultsColumns.kind] = .string("run")
            row[ResultsColumns.point] = runs[i].membership.map { .string($0.point) } ?? .null
            rows.append(row)
            members.append(runs[i].membership)
            let group = runs[i].membership?.group
            let groupEnds = i + 1 == runs.count || group == nil || runs[i + 1].membership?.group != group
            if seeded, groupEnds, let member = runs[i].membership {
                let groupRows = runs.filter { $0.membership?.group == member.group }.map(\.row)
                var mean = meanRow(groupRows, group: member.group)
                mean[ResultsColumns.point] = .string(member.point)
                rows.append(mean)
                members.append(member)
            }
            i += 1
        }
        guard !tune.isEmpty else { return rows }
        let candidateKind = seeded ? "mean" : "run"
        var points: [String] = []
        var rowsOfPoint: [String: [Int]] = [:]
        for (k, m) in members.enumerated() {
            guard let p = m?.point else { continue }
            if rowsOfPoint[p] == nil { points.append(p) }
            rowsOfPoint[p, default: []].append(k)
        }
        for p in points {
            let indices = rowsOfPoint[p]!
            for k in indices { rows[k][ResultsColumns.tuned] = .int(0) }
            let candidates = indices.filter { rows[$0][ResultsColumns.kind] == .string(candidateKind) }
            guard let best = candidates.compactMap({ k in lossForRanking(rows[k]).map { (k, $0) } }).min(by: { $0.1 < $1.1 })?.0,
                  let member = members[best] else { continue }
            for k in indices where k == best || (seeded && members[k]?.group == member.group) {
                rows[k][ResultsColumns.tuned] = .int(1)
            }
            let edges = tune.compactMap { t -> String? in
                guard let value = member.tuned[t.path]?.doubleValue else { return nil }
                let grid = t.values.compactMap(\.doubleValue)
                guard grid.count >= 2, let lo = grid.min(), let hi = grid.max() else { return nil }
                let side = value == lo ? "low" : value == hi ? "high" : nil
                return side.map { tune.count == 1 ? $0 : "\(t.path):\($0)" }
            }
            rows[best][ResultsColumns.tuneEdge] = edges.isEmpty ? .null : .string(edges.joined(separator: ";"))
        }
        return rows
    }

    /// val_loss, or the train loss when the run has no val_loss.
    static func lossForRanking(_ row: Row) -> Double? {
        row[ResultsColumns.valLoss]?.doubleValue ?? row[ResultsColumns.loss]?.doubleValue
    }

    static func meanRow(_ group: [Row], group id: String) -> Row {
        var row = group[0]
        row[ResultsColumns.runID] = .string(id)
        row[ResultsColumns.kind] = .string("mean")
        for column in ["seed", "status", "wall_time_s"] { row[column] = .null }
        for column in [ResultsColumns.loss, ResultsColumns.valLoss, ResultsColumns.valBpb, "best_val_loss"] {
            let values = group.compactMap { $0[column]?.doubleValue }
            row[column] = values.isEmpty ? .null : .double(values.reduce(0, +) / Double(values.count))
        }
        let values = group.compactMap { $0[ResultsColumns.valLoss]?.doubleValue }
        row[ResultsColumns.nSeeds] = .int(values.isEmpty ? group.count : values.count)
        if values.count >= 2 {
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
            row[ResultsColumns.valLossStd] = .double(variance.squareRoot())
        } else {
            row[ResultsColumns.valLossStd] = .null
        }
        return row
    }

    /// One warning line per best value at the edge of its tuned grid (for `sweep results`).
    public static func edgeWarnings(_ rows: [Row]) -> [String] {
        rows.compactMap { row in
            guard case .string(let edge)? = row[ResultsColumns.tuneEdge], !edge.isEmpty else { return nil }
            let id = row[ResultsColumns.runID]?.description ?? "?"
            return "warning: \(id): the best tuned value is at the \(edge) edge of the tune grid; widen the grid to bracket the optimum"
        }
    }
}
