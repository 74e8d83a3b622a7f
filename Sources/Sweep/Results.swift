import Foundation
import RunSchema

/// The results table (DESIGN.md): one row per finished run or branch of the plan, from its
/// summary.json. `N` = total params, `N_active` = active params, `D` = tokens, `C` = FLOPs (the
/// run's `flop_accounting`), `loss` = final train loss, `val_loss` = final val loss (`val_bpb` in
/// bits per byte). Dense models
/// have experts = top_k = 1. A branch's D and C count its stable phase (`branch_of` names it).
/// Specs with `tune` or `seeds` add seed-mean rows and the tuned marks (TunedResults.swift).
public enum Results {
    public static let columns = ResultsColumns.all

    public typealias Row = [String: JSONValue]

    public static func rows(_ plan: SweepPlan) -> [Row] {
        let runs = runRows(plan)
        return annotate(runs, tune: plan.spec.tune, seeded: plan.spec.seeds != nil)
    }

    /// A row per finished run, with its point and seed group (nil without tune/seeds).
    static func runRows(_ plan: SweepPlan) -> [(row: Row, membership: PointMembership?)] {
        let store = plan.store
        // Runs whose summary predates its `epochs` field: D over the training split of meta.json.
        var splitTokens: [String: Int?] = [:]
        func epochs(_ s: RunSummary, data: TrainConfig.DataConfig) -> Double? {
            if let e = s.epochs { return e }
            if splitTokens[data.dir] == nil { splitTokens[data.dir] = .some(ConfigLoading.trainTokens(dataDir: data.dir)) }
            return splitTokens[data.dir]!.map { s.tokens / Double(max(data.epochTokens(trainSplit: $0), 1)) }
        }
        return plan.runs.compactMap { run in
            guard let s = store.summary(run.id), s.status == .finished else { return nil }
            let c = run.config
            var row: Row = [
                "run_id": .string(run.id), "N": .int(s.params), "N_nonembed": .int(s.paramsNonEmbedding),
                "N_active": .int(s.paramsActive), "D": number(s.tokens), "C": number(s.flops),
                "schedule": .string(s.schedule), "experts": .int(s.experts ?? 1), "top_k": .int(s.topK ?? 1),
                "d_model": .int(s.dModel), "n_layer": .int(s.nLayer), "status": .string(s.status.rawValue),
                "role": .string(run.role.rawValue), "tokens_per_param": number(s.tokens / Double(max(s.paramsActive, 1))),
                "lr": number(c.optim.lr), "seed": .int(Int(truncatingIfNeeded: s.seed)), "steps": .int(s.steps),
                "n_head": .int(c.model.nHead), "context_length": .int(c.model.contextLength),
                "N_active_nonembed": .int(s.paramsActiveNonEmbedding), "flop_accounting": .string(s.flopAccounting),
                "wall_time_s": number((s.wallTimeS * 100).rounded() / 100),
                ResultsColumns.parametrization: .string(c.model.parametrization.rawValue),
            ]
            row["loss"] = s.finalTrainLoss.map(number) ?? .null
            row["val_loss"] = s.finalValLoss.map(number) ?? .null
            row[ResultsColumns.valLossSE] = s.finalValLossSE.map(number) ?? .null
            row[ResultsColumns.valBpb] = s.finalValBpb.map(number) ?? .null
            row["best_val_loss"] = s.bestValLoss.map(number) ?? .null
            row["branch_of"] = run.dependsOn.map(JSONValue.string) ?? .null
            row["isoflop_budget"] = run.isoflopBudget.map(number) ?? .null
            row[ResultsColumns.epochs] = epochs(s, data: c.data).map(number) ?? .null
            row[ResultsColumns.decayShape] = c.schedule.kind == .wsd ? .string(c.schedule.decayShape.rawValue) : .null
            row[ResultsColumns.mfu] = s.mfu.map(number) ?? .null
            row[ResultsColumns.vocabSize] = .int(c.model.vocabSize)
            return (row, run.membership)
        }
    }

    static func number(_ x: Double) -> JSONValue {
        x == x.rounded() && abs(x) < 9e15 ? .int(Int(x)) : .double(x)
    }

    static func cell(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return ""
        case .string(let s)?:
            return s.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        case let v?: return v.canonical
        }
    }

    public static func csv(_ rows: [Row]) -> String {
        var lines = [columns.joined(separator: ",")]
        for row in rows { lines.append(columns.map { cell(row[$0]) }.joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func jsonl(_ rows: [Row]) -> String {
        rows.map { row in
            "{" + columns.compactMap { k in row[k].map { JSONValue.quote(k) + ":" + $0.canonical } }.joined(separator: ",") + "}\n"
        }.joined()
    }

    /// Writes `results.csv` atomically, under a sweep-wide lock so that concurrent writers (Slurm
    /// array tasks) never replace a fuller table with an older one: each writer reads the run
    /// directories only once it holds the lock. Returns one line per run that the previous table
    /// had and this one drops, saying why (an unreadable summary.json, an edited spec): a
    /// finished result never leaves the table unannounced.
    @discardableResult
    public static func writeCSV(plan: SweepPlan) throws -> [String] {
        let store = plan.store
        try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)
        let lock = store.directory.appendingPathComponent(".results.lock")
        let deadline = Date().addingTimeInterval(30)
        while try RunLock.acquire(lock) != nil {
            guard Date() < deadline else {
                throw SweepError("\(lock.path): held for over 30 s by another process; results.csv not written (rerun `sweep run` or delete the lock)")
            }
            usleep(50_000)
        }
        defer { RunLock.release(lock) }
        let table = rows(plan)
        let kept = Set(table.compactMap { $0[ResultsColumns.runID]?.description })
        let lost = previousRunIDs(store.resultsCSV).filter { !kept.contains($0) }
        do { try Data(csv(table).utf8).write(to: store.resultsCSV, options: .atomic) } catch {
            throw SweepError(FileErrors.message(error))
        }
        return lost.map { id in
            let why = plan.run(id).map { run -> String in
                let state = store.state(of: run, in: plan)
                return "it is \(state.kind.rawValue)" + (state.reason.map { ": \($0)" } ?? "")
            } ?? "the spec no longer plans it"
            return "results.csv: run \(id) was in the table and is not any more: \(why)"
        }
    }

    /// The run ids of the per-run rows (not seed means) of an existing results.csv.
    static func previousRunIDs(_ url: URL) -> [String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        let lines = text.split(whereSeparator: \.isNewline)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
              let idColumn = header.firstIndex(of: ResultsColumns.runID) else { return [] }
        let kindColumn = header.firstIndex(of: ResultsColumns.kind)
        return lines.dropFirst().compactMap { line in
            // Run ids and kinds never hold commas or quotes, so a plain split finds them.
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard idColumn < cells.count, !cells[idColumn].isEmpty else { return nil }
            if let k = kindColumn, k < cells.count, cells[k] == "mean" { return nil }
            return cells[idColumn]
        }
    }
}
