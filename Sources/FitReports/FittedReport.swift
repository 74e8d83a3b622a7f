import Foundation
import Plot
import RunSchema
import ScalingLaws

/// A fitted law and everything shown of it: the text report, fit.json and the charts.
public struct FittedReport: Sendable {
    public let request: FitRequest
    public let fitted: FittedLaw
    /// The rows fitted of a tuned or seeded sweep (nil for other inputs).
    public let selection: RowSelection?
    /// ±1 seed std of the loss per fitted seed-mean row, by run id: the charts' error bars.
    public let lossStd: [String: Double]
    /// What fit.json keeps for `windtunnel predict` (chinchilla, farseer, kaplan, isoflop).
    public let predictor: LawPredictor?
    /// The held-out rows and their predictions (`request.holdout`).
    public let holdout: HoldoutReport?
    /// One line per reason not to trust a number as printed (Guardrails.swift).
    public let guardrails: [Guardrail]

    /// Reads the input and fits the request's law; every failure is a `FitReportError`.
    public init(_ request: FitRequest) throws {
        self.request = request
        if let rule = request.holdout, !request.law.predicts {
            throw FitReportError.invalid("\(rule.option): the \(request.law.rawValue) law does not predict held-out rows; use chinchilla, farseer, kaplan or isoflop")
        }
        do {
            // The split first: a bad --holdout fails before anything is fitted.
            let split = request.law.predicts ? try request.splitResultsTable() : nil
            fitted = try FittedLaw(fitting: request)
            selection = try request.rowSelection()
            lossStd = selection?.seedMeans == true ? try request.resultsTable().seedStds() : [:]
            let fitted = self.fitted
            let predictor = split.flatMap { fitted.predictor(accounting: Self.accounting($0.fit)) }
            self.predictor = predictor
            if let rule = request.holdout, let heldOut = split?.heldOut, let predictor {
                holdout = try HoldoutReport(rule: rule, predictor: predictor, heldOut: heldOut)
            } else {
                holdout = nil
            }
            let tables = [split?.fit ?? (request.law.readsCurves ? nil : try? request.resultsTable()), split?.heldOut].compactMap { $0 }
            guardrails = Guardrails.check(fitted, predictor: predictor, budgets: request.budgets,
                                          epochs: try tables.flatMap(Self.epochs))
        } catch let error as FitError {
            throw FitReportError.invalid(error.message)
        }
    }

    /// How a results table counted C: its `flop_accounting` values, "C column" without them,
    /// "6ND" without a C column (the fitter then takes C = 6ND).
    static func accounting(_ table: ResultsTable) -> String {
        guard table.csv.columnIndex(table.columns.c) != nil else { return "6ND (no \(table.columns.c) column)" }
        let values = Set(table.strings("flop_accounting", rows: Array(0..<table.rowCount)) ?? []).subtracting([""])
        return values.isEmpty ? "\(table.columns.c) column" : "\(table.columns.c) column, flop_accounting \(values.sorted().joined(separator: ", "))"
    }

    /// (run id, epochs) of the rows that have an `epochs` value (older tables have none).
    static func epochs(_ table: ResultsTable) throws -> [(String, Double)] {
        let rows = Array(0..<table.rowCount)
        guard let values = try table.optionalPositive(ResultsColumns.epochs, rows: rows) else { return [] }
        return rows.compactMap { row in values[row].map { (table.runID(row), $0) } }
    }

    /// The law's result (parameters, warnings, detail lines; what fit.json encodes).
    public var result: any FitReport { fitted.result }

    public var warnings: [String] { result.warnings }

    /// The report as printed: the law, the parameter table, the law's detail lines, the held-out
    /// rows, then one "guardrail: …" line each.
    public func textLines() -> [String] {
        ["law: \(result.law)"] + selectionLines() + formatParameterTable(result.parameters) + result.detailLines()
            + (holdout?.textLines() ?? []) + guardrails.map { "guardrail: \($0.message)" }
    }

    /// Which rows of a tuned or seeded sweep were fitted, and the seed noise next to the residuals.
    func selectionLines() -> [String] {
        guard let selection else { return [] }
        // The selection counts the rows before --holdout took some out.
        var lines = [selection.summary + (holdout.map { "; \($0.rows.count) of them held out" } ?? "")]
        if let noise = selection.seedNoise {
            var line = "seed noise: mean std \(formatNumber(noise.meanStd)) (\(formatNumber(100 * noise.meanLogStd))% in log space) over \(noise.points) point\(noise.points == 1 ? "" : "s")"
            if let rms = fitted.rmsLogResidual {
                line += "; residuals: RMS log \(formatNumber(100 * rms))% = \(formatNumber(rms / noise.meanLogStd))× the seed noise"
            }
            lines.append(line)
        }
        return lines
    }

    /// fit.json: the law's result with the input, seed and format version alongside; sorted
    /// keys, non-finite numbers as "inf", "-inf", "nan".
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(FitOutput(report: result, input: request.input, seed: request.seed, rows: selection.map {
            RowsOutput(selection: $0, rmsLogResidual: fitted.rmsLogResidual)
        }, predictor: predictor, holdout: holdout, guardrails: guardrails, command: request.commandLine))
    }

    /// The charts `writeOutputs` draws for this law, in order (holdout.svg last, with --holdout).
    public var charts: [FitChart] { fitted.charts + (holdout == nil ? [] : [.holdout]) }

    /// One chart's figure as drawn (nil: the law has no such chart).
    func drawnFigure(_ chart: FitChart) throws -> Figure? {
        if chart == .holdout { return holdout.map { FitPlots.holdout($0, fitted: fitted) } }
        return try FitPlots.figure(chart, for: fitted, lossStd: lossStd)
    }

    /// One chart's figure, with an optional title (of the figure, or of its one panel) and panel
    /// size; throws `FitReportError.noChart` when the law does not draw this chart.
    public func figure(_ chart: FitChart, title: String? = nil, width: Double? = nil, height: Double? = nil) throws -> Figure {
        guard var figure = try drawnFigure(chart) else {
            throw FitReportError.noChart(chart, law: result.law, input: request.input)
        }
        if let title {
            if figure.panels.count == 1 { figure.panels[0].title = title } else { figure.title = title }
        }
        figure.panelSize = Size(width: width ?? figure.panelSize.width, height: height ?? figure.panelSize.height)
        return figure
    }

    /// Writes fit.json and every chart of `charts` into `directory` (created if missing), each
    /// file atomically. A chart that fails is listed in `failures` and costs neither the fit nor
    /// the other charts; fit.json failing throws `FitReportError.cannotWriteJSON` before any chart.
    public func writeOutputs(to directory: String) throws -> FitOutputs {
        let data = try json()
        let folder = URL(fileURLWithPath: directory)
        let url = folder.appendingPathComponent("fit.json")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw FitReportError.cannotWriteJSON(directory: directory, reason: error.localizedDescription)
        }
        var outputs = FitOutputs(written: [url])
        for chart in charts {
            let url = folder.appendingPathComponent(chart.fileName)
            do {
                guard let figure = try drawnFigure(chart) else { continue }
                let rendered = try figure.write(to: url)
                outputs.notes += noteLines(rendered.notes, file: chart.fileName)
                outputs.written.append(url)
            } catch let error as PlotError {
                outputs.failures.append("\(chart.fileName): \(error.description)")
            }
        }
        // report.md last: it links only the charts that were written.
        let report = folder.appendingPathComponent("report.md")
        do {
            try Data(markdown(charts: outputs.written.dropFirst().map(\.lastPathComponent)).utf8).write(to: report, options: .atomic)
            outputs.report = report
        } catch {
            outputs.failures.append("report.md: \(error.localizedDescription)")
        }
        return outputs
    }
}

/// What `FittedReport.writeOutputs` wrote.
public struct FitOutputs: Sendable, Equatable {
    /// fit.json, then each chart drawn, in `FittedReport.charts` order.
    public var written: [URL]
    /// report.md, written after the charts it links (nil when it could not be written: then in
    /// `failures`).
    public var report: URL?
    /// The renderer's notes as "note: <file>: …" lines (see `noteLines`), in file order.
    public var notes: [String] = []
    /// "<file>: <reason>" for each chart that could not be drawn.
    public var failures: [String] = []
}

/// Renderer notes (points a log axis could not show...) as "note: <file>: …" lines, at most five
/// per file; the per-series "outside the axis range" notes of a focused axis become one line.
public func noteLines(_ notes: [String], file: String) -> [String] {
    var hidden = 0
    var lines: [String] = []
    for note in notes {
        // "series 'C = 1e17': 6 points outside the axis range not shown"
        let words = note.split(separator: " ")
        if note.hasSuffix(" outside the axis range not shown"), let k = words.firstIndex(where: { $0 == "point" || $0 == "points" }),
           k > 0, let count = Int(words[k - 1]) {
            hidden += count
        } else {
            lines.append(note)
        }
    }
    if hidden > 0 { lines.append("\(hidden) point\(hidden == 1 ? "" : "s") outside the axis range not shown") }
    var shown = lines.prefix(5).map { "note: \(file): \($0)" }
    if lines.count > 5 { shown.append("note: \(file): ... and \(lines.count - 5) more (in the SVG's <desc> elements)") }
    return shown
}

/// fit.json's top level: the law's result with the input, seed and format version alongside,
/// and for a tuned or seeded sweep `rows` (the row selection, seed noise and RMS log residual).
private struct FitOutput: Encodable {
    let report: any FitReport
    let input: String
    let seed: UInt64
    let rows: RowsOutput?
    let predictor: LawPredictor?
    let holdout: HoldoutReport?
    let guardrails: [Guardrail]
    let command: String?

    enum Keys: String, CodingKey { case input, seed, rows, formatVersion = "format_version", predictor, holdout, guardrails, command }

    func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(input, forKey: .input)
        try container.encode(seed, forKey: .seed)
        try container.encodeIfPresent(rows, forKey: .rows)
        try container.encodeIfPresent(predictor, forKey: .predictor)
        try container.encodeIfPresent(holdout, forKey: .holdout)
        try container.encode(guardrails, forKey: .guardrails)
        try container.encodeIfPresent(command, forKey: .command)
        try container.encode(ScalingLaws.resultFormatVersion, forKey: .formatVersion)
    }
}

/// fit.json's `rows`: the `RowSelection` fields plus `rms_log_residual` (nil for laws without
/// per-row residuals), to compare with `seed_noise.mean_log_std`.
private struct RowsOutput: Encodable {
    let selection: RowSelection
    let rmsLogResidual: Double?

    enum Keys: String, CodingKey { case rmsLogResidual = "rms_log_residual" }

    func encode(to encoder: Encoder) throws {
        try selection.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(rmsLogResidual, forKey: .rmsLogResidual)
    }
}
