import Foundation
import RunSchema

/// Which columns of a results table hold which quantity. Defaults follow the results-table
/// layout of DESIGN.md; override them to read a paper's table as is (`--n-col params`).
public struct ColumnNames: Sendable, Equatable {
    public var runID = ResultsColumns.runID
    public var n = ResultsColumns.n
    public var d = ResultsColumns.d
    public var c = ResultsColumns.c
    /// nil: `val_loss` when that column has any value, else `loss`.
    public var loss: String?
    public var nActive = ResultsColumns.nActive
    public var experts = ResultsColumns.experts
    /// nil: the first of `isoflop_budget`, `budget` that exists, else `C` grouped within 1%.
    public var budget: String?
    public var schedule = ResultsColumns.schedule

    public init() {}
}

/// A results table (one row per run) with typed access and validation. Row references in
/// errors are "row k (run_id …)", k counting data rows from 1.
public struct ResultsTable: Sendable {
    public let csv: CSVTable
    public let columns: ColumnNames

    public init(csv: CSVTable, columns: ColumnNames = ColumnNames()) {
        self.csv = csv
        self.columns = columns
    }

    public static func read(contentsOf url: URL, columns: ColumnNames = ColumnNames()) throws -> ResultsTable {
        ResultsTable(csv: try CSVTable.read(contentsOf: url), columns: columns)
    }

    public var rowCount: Int { csv.rows.count }

    /// "row 3 (run_id r-002)" — or just "row 3" without a run_id column.
    public func rowName(_ row: Int) -> String {
        if let index = csv.columnIndex(columns.runID), !csv.rows[row][index].isEmpty {
            return "row \(row + 1) (\(columns.runID) \(csv.rows[row][index]))"
        }
        return "row \(row + 1)"
    }

    public func runID(_ row: Int) -> String {
        if let index = csv.columnIndex(columns.runID), !csv.rows[row][index].isEmpty { return csv.rows[row][index] }
        return "row\(row + 1)"
    }

    /// The loss column in use: the configured one, else `val_loss` when it has values, else `loss`.
    public func lossColumn() throws -> String {
        if let chosen = columns.loss {
            _ = try csv.requireColumn(chosen, for: "the loss column")
            return chosen
        }
        if csv.hasValues(in: "val_loss") { return "val_loss" }
        _ = try csv.requireColumn("loss", for: "the loss column; choose another with --loss-col")
        return "loss"
    }

    /// A cell as a number: nil when empty; an error naming the row and column when not a number.
    public func number(_ row: Int, _ column: Int) throws -> Double? {
        let text = csv.rows[row][column]
        if text.isEmpty { return nil }
        guard let value = Double(text) else {
            throw FitError("\(csv.source) \(rowName(row)): \(csv.header[column]) = '\(text)' is not a number")
        }
        return value
    }

    /// A required positive finite number.
    public func positive(_ row: Int, _ column: Int) throws -> Double {
        guard let value = try number(row, column) else {
            throw FitError("\(csv.source) \(rowName(row)): \(csv.header[column]) is empty")
        }
        try checkPositive(value, row: row, name: csv.header[column])
        return value
    }

    func checkPositive(_ value: Double, row: Int, name: String) throws {
        if value.isNaN { throw FitError("\(csv.source) \(rowName(row)): \(name) is NaN") }
        if !value.isFinite { throw FitError("\(csv.source) \(rowName(row)): \(name) = \(value) is not finite") }
        if value <= 0 { throw FitError("\(csv.source) \(rowName(row)): \(name) = \(value) is not positive") }
    }

    /// Rows that have a loss value, and the rows skipped for an empty loss cell (failed or
    /// unfinished runs). NaN or non-positive losses are errors, not skips.
    public func rowsWithLoss() throws -> (rows: [Int], loss: [Double], column: String, skipped: [Int]) {
        let name = try lossColumn()
        let index = try csv.requireColumn(name)
        var rows: [Int] = [], loss: [Double] = [], skipped: [Int] = []
        for row in 0..<rowCount {
            guard let value = try number(row, index) else { skipped.append(row); continue }
            try checkPositive(value, row: row, name: name)
            rows.append(row); loss.append(value)
        }
        return (rows, loss, name, skipped)
    }

    /// Warning text for skipped rows, or nil.
    func skippedWarning(_ skipped: [Int], column: String) -> String? {
        guard !skipped.isEmpty else { return nil }
        let names = skipped.prefix(8).map { runID($0) }.joined(separator: ", ")
        let more = skipped.count > 8 ? ", …" : ""
        return "skipped \(skipped.count) row(s) with an empty \(column): \(names)\(more)"
    }

    /// N, D and loss for every row with a loss. D comes from the D column, or C/(6N) when the
    /// D column is missing or its cell is empty and C is there.
    public func parametersTokensLoss(nColumn: String? = nil) throws -> ScalingRows {
        let (rows, loss, lossName, skipped) = try rowsWithLoss()
        let nName = nColumn ?? columns.n
        let nIndex = try csv.requireColumn(nName, for: "parameter count N; choose another with --n-col")
        let dIndex = csv.columnIndex(columns.d)
        let cIndex = csv.columnIndex(columns.c)
        if dIndex == nil && cIndex == nil {
            _ = try csv.requireColumn(columns.d, for: "tokens D (or give C to derive D = C/(6N)); choose another with --d-col")
        }
        var n: [Double] = [], d: [Double] = [], c: [Double] = [], ids: [String] = []
        for row in rows {
            let nValue = try positive(row, nIndex)
            var dValue: Double?
            if let dIndex { dValue = try number(row, dIndex) }
            var cValue: Double?
            if let cIndex { cValue = try number(row, cIndex) }
            if dValue == nil {
                guard let cValue else {
                    throw FitError("\(csv.source) \(rowName(row)): \(columns.d) is empty and there is no \(columns.c) to derive it from")
                }
                try checkPositive(cValue, row: row, name: columns.c)
                dValue = cValue / (6 * nValue)
            }
            try checkPositive(dValue!, row: row, name: columns.d)
            if let cValue { try checkPositive(cValue, row: row, name: columns.c) }
            n.append(nValue); d.append(dValue!); c.append(cValue ?? 6 * nValue * dValue!)
            ids.append(runID(row))
        }
        var warnings: [String] = []
        if let w = skippedWarning(skipped, column: lossName) { warnings.append(w) }
        return ScalingRows(runIDs: ids, tableRows: rows, n: n, d: d, c: c, loss: loss,
                           lossColumn: lossName, warnings: warnings)
    }

    /// Values of an optional numeric column for the given rows (nil where empty), checked positive.
    public func optionalPositive(_ name: String, rows: [Int]) throws -> [Double?]? {
        guard let index = csv.columnIndex(name) else { return nil }
        return try rows.map { row in
            guard let value = try number(row, index) else { return nil }
            try checkPositive(value, row: row, name: name)
            return value
        }
    }

    /// String values of a column for the given rows (nil when the column is missing).
    public func strings(_ name: String, rows: [Int]) -> [String]? {
        guard let index = csv.columnIndex(name) else { return nil }
        return rows.map { csv.rows[$0][index] }
    }
}

/// The runs of a results table as numbers: what the (N, D) laws fit.
public struct ScalingRows: Sendable {
    public var runIDs: [String]
    /// Index of each entry in the source table (0-based data rows).
    public var tableRows: [Int]
    public var n: [Double]
    public var d: [Double]
    /// C from the table, or 6ND when the table has none.
    public var c: [Double]
    public var loss: [Double]
    public var lossColumn: String
    public var warnings: [String]

    public init(runIDs: [String]? = nil, n: [Double], d: [Double], c: [Double]? = nil, loss: [Double],
                lossColumn: String = "loss") {
        self.runIDs = runIDs ?? n.indices.map { "row\($0 + 1)" }
        self.tableRows = Array(n.indices)
        self.n = n
        self.d = d
        self.c = c ?? zip(n, d).map { 6 * $0 * $1 }
        self.loss = loss
        self.lossColumn = lossColumn
        self.warnings = []
        warnings = degeneracyWarnings
    }

    init(runIDs: [String], tableRows: [Int], n: [Double], d: [Double], c: [Double], loss: [Double],
         lossColumn: String, warnings: [String]) {
        self.runIDs = runIDs; self.tableRows = tableRows; self.n = n; self.d = d; self.c = c
        self.loss = loss; self.lossColumn = lossColumn; self.warnings = warnings
        self.warnings += degeneracyWarnings
    }

    /// Inputs that cannot determine an (N, D) law, said up front: without spread in N (or D) its
    /// exponent and coefficient trade off freely, and a fit returns arbitrary values (50
    /// identical rows gave α = −0.05 and G = NaN) that would otherwise look like results.
    var degeneracyWarnings: [String] {
        guard count >= 2 else { return [] }
        func spread(_ xs: [Double]) -> Bool { xs.contains { $0 != xs[0] } }
        let distinct = Set(n.indices.map { "\(n[$0]) \(d[$0])" }).count
        var out: [String] = []
        if !spread(n) && !spread(d) {
            out.append("all \(count) rows have the same N = \(formatNumber(n[0])) and D = \(formatNumber(d[0])): no law in N and D can be fitted from them; the fitted values are not meaningful")
        } else {
            if !spread(n) { out.append("every row has N = \(formatNumber(n[0])): the N exponent and coefficient are not determined by these rows") }
            if !spread(d) { out.append("every row has D = \(formatNumber(d[0])): the D exponent and coefficient are not determined by these rows") }
            if distinct < count && distinct <= 3 {
                out.append("only \(distinct) distinct (N, D) points among \(count) rows: too few to determine the law's exponents")
            }
        }
        return out
    }

    public var count: Int { n.count }

    /// Checks values given directly through the API (tables are checked as they are read).
    func validate(law: String) throws {
        guard d.count == n.count, loss.count == n.count, c.count == n.count, runIDs.count == n.count else {
            throw FitError("\(law): N, D, C and loss must have the same number of rows")
        }
        for i in n.indices {
            for (name, value) in [("N", n[i]), ("D", d[i]), ("loss", loss[i])] {
                if value.isNaN { throw FitError("\(law): row \(i + 1) (\(runIDs[i])): \(name) is NaN") }
                if !(value > 0) || !value.isFinite {
                    throw FitError("\(law): row \(i + 1) (\(runIDs[i])): \(name) = \(value) is not positive")
                }
            }
        }
    }
}
