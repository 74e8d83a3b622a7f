import Foundation
import RunSchema
import ScalingLaws

/// The results table an `--input` names: the file itself, or a sweep directory's results.csv
/// (an error naming the input when it does not exist, or when the directory has none).
func resultsTableURL(input: String) throws -> URL {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
        throw FitReportError.inputNotFound(input: input)
    }
    guard isDirectory.boolValue else { return URL(fileURLWithPath: input) }
    let url = SweepFiles(URL(fileURLWithPath: input)).resultsCSV
    guard FileManager.default.fileExists(atPath: url.path) else { throw FitReportError.noResultsTable(input: input) }
    return url
}

/// Reading the input as the law needs it: a results table (CSV, or a sweep directory's), or loss
/// curves (a long-format CSV, or a sweep directory's metrics logs).
extension FitRequest {
    var inputURL: URL { URL(fileURLWithPath: input) }

    func inputIsDirectory() throws -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw FitReportError.inputNotFound(input: input)
        }
        return isDirectory.boolValue
    }

    /// The results table cut to the rows the law fits: a tuned or seeded sweep's best rows or seed
    /// means unless `allRows` (`ResultsTable.selectingFitRows`).
    /// With `holdout`, without the held-out rows.
    func resultsTable() throws -> ResultsTable {
        try splitResultsTable().fit
    }

    /// The rows the law fits and, with `holdout`, the rows it predicts instead. Throws before any
    /// fit when the law cannot predict held-out rows, the rule selects nothing, or too few rows
    /// (isoflop: budgets) are left to fit.
    func splitResultsTable() throws -> (fit: ResultsTable, heldOut: ResultsTable?) {
        let selected = try fullResultsTable().selectingFitRows(allRows: allRows).table
        guard let holdout else { return (selected, nil) }
        let (fit, heldOut) = try holdout.split(selected)
        try checkRowsLeft(fit, rule: holdout)
        return (fit, heldOut)
    }

    /// Which rows of a tuned or seeded sweep the fit uses; nil for other inputs (and for
    /// long-format curve files, which have no such marks).
    func rowSelection() throws -> RowSelection? {
        switch law {
        case .envelope, .schedule:
            guard try inputIsDirectory() else { return nil }
            return try fullResultsTable().selectingFitRows(allRows: allRows, curves: true).selection
        default:
            return try fullResultsTable().selectingFitRows(allRows: allRows).selection
        }
    }

    func fullResultsTable() throws -> ResultsTable {
        try ResultsTable.read(contentsOf: try resultsTableURL(input: input), columns: columns)
    }

    func curves() throws -> LossCurveSet {
        if try inputIsDirectory() {
            // Loss curves live in run directories: runs only (the tuned ones unless allRows).
            let table = try fullResultsTable().selectingFitRows(allRows: allRows, curves: true).table
            return try LossCurveSet.readSweep(inputURL, table: table, lossColumn: columns.loss)
        }
        return try LossCurveSet.readLongCSV(inputURL, columns: columns, lossColumn: columns.loss)
    }
}
