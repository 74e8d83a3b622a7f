import Foundation
import RunSchema

/// Text tables for `sweep plan`, `sweep status` and `sweep results`.
public enum SweepTables {
    public static func plan(_ plan: SweepPlan, estimates: TimeEstimates?, jobs: Int, threadsPerJob: Int) -> String {
        var rows = [["id", "role", "N", "N_active", "D", "C", "tok/param", "steps", "est. time"]]
        for run in plan.runs {
            rows.append([
                run.id, run.role == .branch ? "branch@\(run.branchStep ?? 0)" : run.role.rawValue,
                formatCount(Double(run.accounting.totalParams)), formatCount(Double(run.accounting.activeParams)),
                formatCount(run.tokens), sci(run.flops), String(format: "%.1f", run.tokensPerParam), String(run.steps),
                estimates?.seconds[run.id].map(formatDuration) ?? "-",
            ])
        }
        var out = table(rows)
        if !plan.dropped.isEmpty {
            out += "\ndropped \(plan.dropped.count):\n" + plan.dropped.map { "  \($0.label): \($0.reason)" }.joined(separator: "\n") + "\n"
        }
        out += "\n\(plan.runs.count) runs in \(plan.directoryPath), \(sci(plan.totalCostFLOPs)) FLOPs to train"
        let branches = plan.runs.filter { $0.role == .branch }.count
        if branches > 0 { out += " (branches train only their cooldown)" }
        if let e = estimates {
            let total = plan.runs.reduce(0) { $0 + (e.seconds[$1.id] ?? 0) }
            out += "\nestimated \(formatDuration(total)) of run time; ≈ \(formatDuration(e.wallSeconds(plan.runs, jobs: jobs))) wall with --jobs \(jobs) --threads-per-job \(threadsPerJob)"
            out += " (probe: \(e.probedShapes) shape(s) in \(String(format: "%.1f", e.probeSeconds)) s; a shared machine runs slower)"
        }
        return out + "\n"
    }

    public static func status(_ plan: SweepPlan) -> String {
        let store = plan.store
        var counts: [RunState.Kind: Int] = [:]
        var rows = [["id", "state", "detail"]]
        for run in plan.runs {
            let s = store.state(of: run, in: plan)
            counts[s.kind, default: 0] += 1
            rows.append([run.id, s.kind.rawValue, s.reason ?? ""])
        }
        var out = table(rows) + "\n"
        out += RunState.Kind.allCases.compactMap { k in counts[k].map { "\($0) \(k.rawValue)" } }.joined(separator: ", ")
        out += " (of \(plan.runs.count) in \(plan.directoryPath))\n"
        let orphans = store.orphans(of: plan)
        if !orphans.isEmpty {
            out += "\(orphans.count) run director\(orphans.count == 1 ? "y" : "ies") not in the spec (left alone): \(orphans.prefix(5).joined(separator: ", "))\(orphans.count > 5 ? ", …" : "")\n"
        }
        return out
    }

    /// The results table; with tune/seeds also the kind, tuned and seed columns, and a warning
    /// line per best value at the edge of its tune grid.
    public static func results(_ rows: [Results.Row]) -> String {
        var columns = ["run_id", "N", "N_active", "D", "C", "tokens_per_param", "loss", "val_loss", "schedule", "experts", "top_k", "d_model", "n_layer"]
        // Bits per byte when any run has it (data with a tokenizer): the loss that compares
        // across vocabularies.
        if rows.contains(where: { ($0[ResultsColumns.valBpb] ?? .null) != .null }) {
            columns.insert(ResultsColumns.valBpb, at: columns.firstIndex(of: "val_loss")! + 1)
        }
        let seeded = rows.contains { $0[ResultsColumns.kind] == .string("mean") }
        let tuned = rows.contains { ($0[ResultsColumns.tuned] ?? .null) != .null }
        if seeded || tuned { columns += ["lr", "seed", ResultsColumns.kind] }
        if tuned { columns += [ResultsColumns.tuned, ResultsColumns.tuneEdge] }
        if seeded { columns += [ResultsColumns.valLossStd, ResultsColumns.nSeeds] }
        var table = [columns]
        for r in rows {
            table.append(columns.map { c in
                switch (c, r[c]) {
                case ("N", let v?), ("N_active", let v?), ("D", let v?): return v.doubleValue.map(formatCount) ?? ""
                case ("C", let v?): return v.doubleValue.map(sci) ?? ""
                case ("loss", let v?), ("val_loss", let v?), (ResultsColumns.valBpb, let v?), (ResultsColumns.valLossStd, let v?):
                    return v.doubleValue.map { String(format: "%.4f", $0) } ?? ""
                case ("tokens_per_param", let v?): return v.doubleValue.map { String(format: "%.1f", $0) } ?? ""
                case (_, let v?): return v.description == "null" ? "" : v.description
                default: return ""
                }
            })
        }
        let means = rows.filter { $0[ResultsColumns.kind] == .string("mean") }.count
        var out = self.table(table) + "\n\(rows.count - means) finished run(s)" + (means > 0 ? ", \(means) seed mean(s)" : "") + "\n"
        for w in Results.edgeWarnings(rows) { out += w + "\n" }
        return out
    }

    static func table(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            row.indices.map { i in i == row.count - 1 ? row[i] : row[i].padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    public static func sci(_ x: Double) -> String { String(format: "%.2e", x) }
}
