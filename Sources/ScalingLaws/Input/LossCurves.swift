import Foundation
import RunSchema

/// One run's logged loss curve. Arrays are parallel, one entry per logged step; a missing value
/// (e.g. `val_loss` off eval steps) is nil.
public struct LossCurve: Sendable, Equatable {
    public var runID: String
    /// Parameters (from the results table or the curve file's N column), when known.
    public var N: Double?
    /// The schedule name (results table `schedule` column), when known.
    public var schedule: String?
    public var step: [Double]
    public var tokens: [Double?]
    public var flops: [Double?]
    public var lr: [Double?]
    /// The loss chosen for fitting (see `LossCurveSet.lossColumn`).
    public var loss: [Double?]
    /// Log lines that did not parse (a run still writing its last line; see `MetricsFile`).
    public var skippedLines = 0

    public init(runID: String, N: Double? = nil, schedule: String? = nil, step: [Double],
                tokens: [Double?]? = nil, flops: [Double?]? = nil, lr: [Double?]? = nil, loss: [Double?]) {
        self.runID = runID
        self.N = N
        self.schedule = schedule
        self.step = step
        self.tokens = tokens ?? Array(repeating: nil, count: step.count)
        self.flops = flops ?? Array(repeating: nil, count: step.count)
        self.lr = lr ?? Array(repeating: nil, count: step.count)
        self.loss = loss
    }
}

extension LossCurve {
    /// This curve's points before `next`'s first step, then all of `next`'s, under `next`'s id:
    /// a branch continued from its parent.
    func continued(by next: LossCurve) -> LossCurve {
        let first = next.step.first ?? .infinity
        let keep = step.indices.filter { step[$0] < first }
        var joined = next
        joined.step = keep.map { step[$0] } + next.step
        joined.tokens = keep.map { tokens[$0] } + next.tokens
        joined.flops = keep.map { flops[$0] } + next.flops
        joined.lr = keep.map { lr[$0] } + next.lr
        joined.loss = keep.map { loss[$0] } + next.loss
        joined.skippedLines += skippedLines
        return joined
    }
}

/// Loss curves of several runs, from a sweep directory or a long-format CSV.
///
/// Long format (one row per logged step, any column order, extra columns ignored):
/// `run_id,step,flops,lr,loss` required for the envelope (flops) and schedule (lr) laws
/// respectively; optional `tokens`, `val_loss`, `N` (parameters, constant per run) and
/// `schedule`. Curves keep the order in which runs first appear; points are sorted by step.
///
/// Which loss: `loss` (the training loss, logged every step) unless another column is named;
/// `val_loss` is only logged on eval steps, so its curves are sparse.
public struct LossCurveSet: Sendable {
    public var curves: [LossCurve]
    public var lossColumn: String
    public var warnings: [String]

    public init(curves: [LossCurve], lossColumn: String = "loss", warnings: [String] = []) {
        self.curves = curves
        self.lossColumn = lossColumn
        self.warnings = warnings
    }

    /// Reads a long-format CSV (see the type's documentation).
    public static func readLongCSV(_ url: URL, columns: ColumnNames = ColumnNames(), lossColumn: String? = nil) throws -> LossCurveSet {
        let csv = try CSVTable.read(contentsOf: url)
        let table = ResultsTable(csv: csv, columns: columns)
        let lossName = lossColumn ?? "loss"
        let idIndex = try csv.requireColumn(columns.runID, for: "the run each curve point belongs to")
        let stepIndex = try csv.requireColumn("step", for: "the training step of each curve point")
        let lossIndex = try csv.requireColumn(lossName, for: "the loss of each curve point; choose another with --loss-col")
        let flopsIndex = csv.columnIndex("flops"), lrIndex = csv.columnIndex("lr"), tokensIndex = csv.columnIndex("tokens")
        let nIndex = csv.columnIndex(columns.n), scheduleIndex = csv.columnIndex(columns.schedule)
        var order: [String] = []
        var byRun: [String: [(step: Double, tokens: Double?, flops: Double?, lr: Double?, loss: Double?)]] = [:]
        var nByRun: [String: Double] = [:], scheduleByRun: [String: String] = [:]
        for row in 0..<csv.rows.count {
            let id = csv.rows[row][idIndex]
            if id.isEmpty { throw FitError("\(csv.source) row \(row + 1): \(columns.runID) is empty") }
            guard let step = try table.number(row, stepIndex), step.isFinite else {
                throw FitError("\(csv.source) \(table.rowName(row)): step is empty or not finite")
            }
            let loss = try table.number(row, lossIndex)
            if let loss, !(loss > 0 && loss.isFinite) {
                throw FitError("\(csv.source) \(table.rowName(row)): \(lossName) = \(loss) is not positive")
            }
            let flops = try flopsIndex.flatMap { try table.number(row, $0) }
            let lr = try lrIndex.flatMap { try table.number(row, $0) }
            let tokens = try tokensIndex.flatMap { try table.number(row, $0) }
            if let nIndex, let n = try table.number(row, nIndex) {
                try table.checkPositive(n, row: row, name: columns.n)
                nByRun[id] = n
            }
            if let scheduleIndex, !csv.rows[row][scheduleIndex].isEmpty { scheduleByRun[id] = csv.rows[row][scheduleIndex] }
            if byRun[id] == nil { order.append(id) }
            byRun[id, default: []].append((step, tokens, flops, lr, loss))
        }
        let curves = order.map { id -> LossCurve in
            let points = byRun[id]!.sorted { $0.step < $1.step }
            return LossCurve(runID: id, N: nByRun[id], schedule: scheduleByRun[id], step: points.map(\.step),
                             tokens: points.map(\.tokens), flops: points.map(\.flops), lr: points.map(\.lr),
                             loss: points.map(\.loss))
        }
        return LossCurveSet(curves: curves, lossColumn: lossName)
    }

    /// Reads `runs/<run_id>/metrics.jsonl` for every run of a sweep's results table; N and the
    /// schedule come from the table. Runs without a metrics file are skipped with a warning; a
    /// run still writing (a last line cut short) is read up to its last complete line, with a
    /// warning.
    public static func readSweep(_ directory: URL, table: ResultsTable, lossColumn: String? = nil) throws -> LossCurveSet {
        let lossName = lossColumn ?? "loss"
        let nIndex = table.csv.columnIndex(table.columns.n)
        let scheduleIndex = table.csv.columnIndex(table.columns.schedule)
        let branchIndex = table.csv.columnIndex(ResultsColumns.branchOf)
        _ = try table.csv.requireColumn(table.columns.runID, for: "the run directory of each row")
        let sweep = SweepFiles(directory)
        var curves: [LossCurve] = []
        var missing: [String] = [], partial: [String] = []
        for row in 0..<table.rowCount {
            let id = table.runID(row)
            let url = sweep.files(id).metrics
            guard FileManager.default.fileExists(atPath: url.path) else { missing.append(id); continue }
            var curve = try readMetricsJSONL(url, runID: id, lossKey: lossName)
            // A WSD branch logs only its cooldown; the schedule laws need the rates from step 1,
            // so its curve starts with its stable run's, up to the branch point.
            if let branchIndex, case let parent = table.csv.rows[row][branchIndex], !parent.isEmpty {
                let parentURL = sweep.files(parent).metrics
                guard FileManager.default.fileExists(atPath: parentURL.path) else { missing.append("\(parent) (stable run of \(id))"); continue }
                curve = try readMetricsJSONL(parentURL, runID: parent, lossKey: lossName).continued(by: curve)
            }
            if let nIndex { curve.N = try table.number(row, nIndex) }
            if let scheduleIndex, !table.csv.rows[row][scheduleIndex].isEmpty { curve.schedule = table.csv.rows[row][scheduleIndex] }
            if curve.skippedLines > 0 { partial.append("\(id) (\(curve.skippedLines))") }
            curves.append(curve)
        }
        var warnings: [String] = []
        if !missing.isEmpty {
            warnings.append("no runs/<id>/\(RunFiles.metricsFileName) for \(missing.count) run(s): \(missing.prefix(8).joined(separator: ", "))\(missing.count > 8 ? ", …" : "")")
        }
        if !partial.isEmpty {
            warnings.append("skipped unparseable \(RunFiles.metricsFileName) lines (a run still writing?) in \(partial.count) run(s): \(partial.prefix(8).joined(separator: ", "))\(partial.count > 8 ? ", …" : "")")
        }
        return LossCurveSet(curves: curves, lossColumn: lossName, warnings: warnings)
    }

    /// One `metrics.jsonl` (read by `MetricsFile`): every parsed line needs a numeric `step`;
    /// unparseable lines are skipped and counted in `skippedLines`.
    public static func readMetricsJSONL(_ url: URL, runID: String, lossKey: String = "loss") throws -> LossCurve {
        let file: MetricsFile
        do { file = try MetricsFile.read(url) } catch {
            throw FitError("\(url.path): cannot read the file (\(error.localizedDescription))")
        }
        var points: [(step: Double, tokens: Double?, flops: Double?, lr: Double?, loss: Double?)] = []
        for record in file.records {
            guard let step = record["step"] else { throw FitError("\(url.path) line \(record.lineNumber): no numeric 'step'") }
            points.append((step, record["tokens"], record["flops"], record["lr"], record[lossKey]))
        }
        points.sort { $0.step < $1.step }
        var curve = LossCurve(runID: runID, step: points.map(\.step), tokens: points.map(\.tokens),
                              flops: points.map(\.flops), lr: points.map(\.lr), loss: points.map(\.loss))
        curve.skippedLines = file.skippedLines
        return curve
    }
}
