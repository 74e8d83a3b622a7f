import Foundation
import RunSchema

/// Which rows of a sweep's results table a fit uses. A table from a spec with `tune` or `seeds`
/// (`kind`, `tuned` columns, see `ResultsColumns`) holds every tuned value and seed of each
/// point; a law should see one row per point: the seed means (`kind` = mean) when there are any,
/// else the runs, and of those only the best of each point (`tuned` = 1) when the table has tuned
/// marks. `allRows` fits every run row instead (never the means: they would count runs twice).
public struct RowSelection: Sendable, Equatable, Encodable {
    /// Rows the law fits, and run rows in the table.
    public var fitted: Int
    public var runs: Int
    /// The fitted rows are the best of their point.
    public var tuned: Bool
    /// The fitted rows are seed means.
    public var seedMeans: Bool
    /// Every run row was fitted (`--all-rows`).
    public var allRows: Bool
    /// Fitted best rows whose tuned value is at an edge of its grid: "run_id (high)".
    public var edges: [String]
    /// The seed noise over the points with ≥ 2 seeds (from the mean rows), nil without.
    public var seedNoise: SeedNoise?

    enum CodingKeys: String, CodingKey {
        case fitted = "rows_fitted", runs = "run_rows", tuned, seedMeans = "seed_means", allRows = "all_rows", edges = "tune_edges"
        case seedNoise = "seed_noise"
    }

    /// "fitted on 6 tuned seed means of 36 runs; 1 best value at a grid edge: …".
    public var summary: String {
        let what = seedMeans ? (tuned ? "tuned seed means" : "seed means") : (tuned ? "tuned rows" : "run rows")
        var text = "fitted on \(fitted) \(what) of \(runs) run\(runs == 1 ? "" : "s")" + (allRows ? " (--all-rows)" : "")
        if tuned {
            let shown = edges.prefix(4).joined(separator: ", ") + (edges.count > 4 ? ", … (all in fit.json)" : "")
            text += "; \(edges.count) best value\(edges.count == 1 ? "" : "s") at a grid edge" + (edges.isEmpty ? "" : ": " + shown)
        }
        return text
    }
}

/// Run-to-run noise of the loss between seeds, to read the residuals against.
public struct SeedNoise: Sendable, Equatable, Encodable {
    /// Points (seed groups) with a standard deviation.
    public var points: Int
    /// Mean over those points of the loss's sample std across seeds.
    public var meanStd: Double
    /// Mean of std / mean loss: the noise in log space (comparable to log residuals).
    public var meanLogStd: Double

    enum CodingKeys: String, CodingKey { case points, meanStd = "mean_std", meanLogStd = "mean_log_std" }
}

extension ResultsTable {
    /// The table cut to the rows a fit uses (see `RowSelection`), or itself and nil when the table
    /// has no `kind`/`tuned` marks beyond plain runs. Runs only (`curves`: loss curves live in run
    /// directories, means have none) keeps the tuned runs, or all of them with `allRows`.
    public func selectingFitRows(allRows: Bool, curves: Bool = false) -> (table: ResultsTable, selection: RowSelection?) {
        let kind = csv.columnIndex(ResultsColumns.kind), tuned = csv.columnIndex(ResultsColumns.tuned)
        func value(_ row: Int, _ index: Int?) -> String { index.map { csv.rows[row][$0] } ?? "" }
        let all = Array(0..<rowCount)
        let means = all.filter { value($0, kind) == "mean" }
        let runs = all.filter { value($0, kind) != "mean" }
        let hasTuned = all.contains { !value($0, tuned).isEmpty }
        guard !means.isEmpty || hasTuned else { return (self, nil) }
        var pool = allRows || curves || means.isEmpty ? runs : means
        if hasTuned && !allRows { pool = pool.filter { value($0, tuned) == "1" } }
        let edgeIndex = csv.columnIndex(ResultsColumns.tuneEdge)
        let edges = allRows ? [] : pool.compactMap { row -> String? in
            let edge = value(row, edgeIndex)
            return edge.isEmpty ? nil : "\(runID(row)) (\(edge))"
        }
        let selection = RowSelection(fitted: pool.count, runs: runs.count, tuned: hasTuned && !allRows,
                                     seedMeans: !(allRows || curves || means.isEmpty), allRows: allRows,
                                     edges: edges, seedNoise: seedNoise(rows: allRows || curves ? means : pool.filter(means.contains)))
        let table = CSVTable(source: csv.source, header: csv.header, rows: pool.map { csv.rows[$0] })
        return (ResultsTable(csv: table, columns: columns), selection)
    }

    /// Mean std and log std of the loss over the given mean rows that have a `val_loss_std`.
    func seedNoise(rows: [Int]) -> SeedNoise? {
        guard let stdIndex = csv.columnIndex(ResultsColumns.valLossStd), let lossIndex = csv.columnIndex(ResultsColumns.valLoss) else { return nil }
        var stds: [Double] = [], logStds: [Double] = []
        for row in rows {
            guard let std = Double(csv.rows[row][stdIndex]), let loss = Double(csv.rows[row][lossIndex]), loss > 0, std.isFinite else { continue }
            stds.append(std)
            logStds.append(std / loss)
        }
        guard !stds.isEmpty else { return nil }
        return SeedNoise(points: stds.count, meanStd: stds.reduce(0, +) / Double(stds.count),
                         meanLogStd: logStds.reduce(0, +) / Double(logStds.count))
    }
}

extension ResultsTable {
    /// `val_loss_std` by run id, for the rows that have one (the seed means' error bars).
    public func seedStds() -> [String: Double] {
        guard let index = csv.columnIndex(ResultsColumns.valLossStd) else { return [:] }
        var out: [String: Double] = [:]
        for row in 0..<rowCount { if let std = Double(csv.rows[row][index]), std.isFinite { out[runID(row)] = std } }
        return out
    }
}
