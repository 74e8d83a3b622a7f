import Foundation
import RunSchema
import ScalingLaws

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

    func resultsTable() throws -> ResultsTable {
        if try inputIsDirectory() {
            let url = SweepFiles(inputURL).resultsCSV
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw FitReportError.noResultsTable(input: input)
            }
            return try ResultsTable.read(contentsOf: url, columns: columns)
        }
        return try ResultsTable.read(contentsOf: inputURL, columns: columns)
    }

    func curves() throws -> LossCurveSet {
        if try inputIsDirectory() {
            return try LossCurveSet.readSweep(inputURL, table: try resultsTable(), lossColumn: columns.loss)
        }
        return try LossCurveSet.readLongCSV(inputURL, columns: columns, lossColumn: columns.loss)
    }
}
