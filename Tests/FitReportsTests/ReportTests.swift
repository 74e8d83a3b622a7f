import FitReports
import Foundation
import ScalingLaws
import Testing

/// The report around the charts: text lines, JSON, errors, renderer notes.
@Suite struct ReportTests {
    @Test func textLinesAreTheLawTableAndDetails() throws {
        let report = try Support.report(.isoflop, input: Support.porian) { $0.bootstrap = 0 }
        let lines = report.textLines()
        #expect(lines.first == "law: isoflop")
        #expect(lines[1].hasPrefix("parameter  estimate"))
        #expect(lines.suffix(report.result.detailLines().count) == ArraySlice(report.result.detailLines()))
    }

    @Test func jsonRecordsInputSeedAndFormat() throws {
        let report = try Support.report(.isoflop, input: Support.porian) {
            $0.bootstrap = 5
            $0.seed = 7
        }
        let json = try Support.json(try report.json())
        #expect(json["input"] as? String == Support.porian.path)
        #expect(json["seed"] as? Int == 7)
        #expect(json["format_version"] as? Int == ScalingLaws.resultFormatVersion)
        #expect(json["law"] as? String == "isoflop")
    }

    @Test func missingInputIsAnInputError() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString).csv")
        #expect(throws: FitReportError.inputNotFound(input: missing.path)) {
            try Support.report(.isoflop, input: missing)
        }
        let error = FitReportError.inputNotFound(input: missing.path)
        #expect(error.description == "--input \(missing.path): no such file or directory")
    }

    @Test func sweepDirectoryNeedsAResultsTable() throws {
        let dir = try Support.outputDirectory("empty-sweep")
        defer { Support.discard(dir) }
        #expect(throws: FitReportError.noResultsTable(input: dir.path)) {
            try Support.report(.envelope, input: dir)
        }
    }

    @Test func powerNeedsAnXColumn() throws {
        #expect(throws: FitReportError.invalid("--law power needs --x-col (and optionally --y-col)")) {
            try Support.report(.power, input: Support.porian)
        }
    }

    /// A chart the law does not draw is an error naming it; the isoFLOP chart of a Chinchilla fit
    /// explains which runs form FLOP budgets.
    @Test func missingChartIsAnError() throws {
        let report = try Support.report(.isoflop, input: Support.porian) { $0.bootstrap = 0 }
        #expect(throws: FitReportError.noChart(.envelope, law: "isoflop", input: Support.porian.path)) {
            try report.figure(.envelope)
        }
        #expect(FitReportError.noChart(.isoflop, law: "chinchilla", input: "t.csv").description
            == "--input t.csv: the runs do not form FLOP budgets (2 to 16 values of C with at least 3 runs each); no isoFLOP chart to draw")
    }

    @Test func unwritableOutputIsAnError() throws {
        let dir = try Support.outputDirectory("unwritable")
        defer { Support.discard(dir) }
        let file = dir.appendingPathComponent("file")
        try Data().write(to: file)
        let report = try Support.report(.isoflop, input: Support.porian) { $0.bootstrap = 0 }
        let target = file.appendingPathComponent("fit").path  // under a regular file
        #expect {
            try report.writeOutputs(to: target)
        } throws: { error in
            guard case FitReportError.cannotWriteJSON(let directory, _) = error else { return false }
            return directory == target && (error as? FitReportError)?.description.hasPrefix("--out \(target): cannot write fit.json (") == true
        }
    }

    @Test func notesOutsideTheRangeBecomeOneLine() {
        let notes = (1...7).map { "series 'C = 1e1\($0)': \($0) point\($0 == 1 ? "" : "s") outside the axis range not shown" }
        #expect(noteLines(notes, file: "isoflop.svg") == ["note: isoflop.svg: 28 points outside the axis range not shown"])
        let other = (1...7).map { "note \($0)" }
        #expect(noteLines(other, file: "f.svg") == (1...5).map { "note: f.svg: note \($0)" }
            + ["note: f.svg: ... and 2 more (in the SVG's <desc> elements)"])
        #expect(noteLines([], file: "f.svg").isEmpty)
    }
}
