import ArgumentParser
import FitReports
import Foundation
import Plot

/// `windtunnel plot <chart>`: SVG charts. `curves` reads run logs; the fit-based charts
/// (isoflop, frontier, fit; PlotFitCommands.swift) run a fit and draw it with FitReports.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw SVG charts of runs, sweeps and fits.",
        subcommands: [PlotCurvesCommand.self, PlotResultsCommand.self, PlotIsoFLOPCommand.self, PlotFrontierCommand.self, PlotFitCommand.self]
    )
}

struct PlotCurvesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curves",
        abstract: "Loss (or any logged metric) against tokens, FLOPs or steps, one line per run."
    )

    @Option(
        parsing: .upToNextOption,
        help: "Run directories (with metrics.jsonl), sweep directories (runs/<id>/metrics.jsonl) or metrics.jsonl files.")
    var input: [String] = []

    @Option(help: "Output SVG file (written atomically).")
    var out: String

    @Option(help: "Keep only runs whose id contains this text (repeatable: all must match), e.g. --match d96 --match seed1.")
    var match: [String] = []

    @Option(help: "Leave out runs whose id contains this text (repeatable).")
    var exclude: [String] = []

    @Option(help: "x field: tokens, flops or step (any numeric metrics.jsonl field works).")
    var x: String = "tokens"

    @Option(help: "y field: loss or val_loss (any numeric metrics.jsonl field works).")
    var y: String = "loss"

    @Flag(help: "Log-scale y axis.")
    var logY = false

    @Flag(help: "Linear x axis (default: log).")
    var linearX = false

    @Option(help: "Chart title.")
    var title: String?

    @Option(help: "Width in pixels.")
    var width: Double = 760

    @Option(help: "Height in pixels.")
    var height: Double = 480

    func validate() throws {
        if input.isEmpty { throw ValidationError("give at least one --input run or sweep directory") }
    }

    func run() throws {
        var runs: [MetricsLog.Run] = []
        for path in input {
            do {
                runs += try MetricsLog.runs(at: URL(fileURLWithPath: path))
            } catch let error as PlotError {
                throw CLIError(error.description)
            }
        }
        if !match.isEmpty || !exclude.isEmpty {
            let all = runs.count
            runs.removeAll { run in !match.allSatisfy(run.id.contains) || exclude.contains(where: run.id.contains) }
            if runs.isEmpty {
                throw CLIError("--match/--exclude left no run of the \(all) under \(input.joined(separator: ", "))")
            }
        }
        var loaded: [MetricsLog.LoadedCurve] = []
        for run in runs {
            do {
                loaded.append(try MetricsLog.curve(run, x: x, y: y))
            } catch let error as PlotError {
                throw CLIError(error.description)
            }
        }
        let seen = loaded.reduce(into: Set<String>()) { $0.formUnion($1.numericFields) }
        for field in [x, y] where !seen.contains(field) {
            let known = seen.sorted().joined(separator: ", ")
            throw CLIError(
                "unknown field '\(field)': no line of \(runs[0].metrics.path)\(runs.count > 1 ? " (or the other \(runs.count - 1) runs)" : "") has it as a number (fields: \(known.isEmpty ? "none" : known))")
        }

        var curves: [Curve] = []
        var usedNames: [String: Int] = [:]
        var leftOutAtZero = 0
        for item in loaded {
            if item.malformedLines > 0 {
                printNote("run '\(item.curve.name)': skipped \(item.malformedLines) line(s) that are not JSON objects")
            }
            guard !item.curve.points.isEmpty else {
                printNote("run '\(item.curve.name)': no line has both '\(x)' and '\(y)'; left out")
                continue
            }
            var curve = item.curve
            if !linearX {
                // The first logged step usually has tokens = 0: expected, so one summary note below.
                let before = curve.points.count
                curve.points.removeAll { $0.x <= 0 }
                leftOutAtZero += before - curve.points.count
                if curve.points.isEmpty { continue }
            }
            // Same run id from two inputs: keep both, told apart.
            let seenCount = usedNames[curve.name, default: 0]
            usedNames[curve.name] = seenCount + 1
            if seenCount > 0 { curve.name += " (\(seenCount + 1))" }
            curves.append(curve)
        }
        guard !curves.isEmpty else {
            throw CLIError("no usable points: no line in \(runs.count) run(s) has both '\(x)' and '\(y)' as numbers")
        }

        let chart = Charts.lossCurves(
            curves, title: title, xLabel: Self.axisLabel(x), yLabel: Self.axisLabel(y),
            xScale: linearX ? .linear : .log10, yScale: logY ? .log10 : .linear, xFormat: Self.format(x))
        let url = URL(fileURLWithPath: out)
        let rendered: RenderedSVG
        do {
            rendered = try chart.write(to: url, size: Size(width: width, height: height))
        } catch let error as PlotError {
            throw CLIError(error.description)
        }
        if leftOutAtZero > 0 {
            printNote("left out \(leftOutAtZero) point(s) with \(x) ≤ 0, which a log x axis cannot show (use --linear-x to keep them)")
        }
        for note in rendered.notes.prefix(5) { printNote(note) }
        if rendered.notes.count > 5 { printNote("... and \(rendered.notes.count - 5) more (also recorded in the SVG's <desc> elements)") }
        let points = curves.reduce(0) { $0 + $1.points.count }
        print("wrote \(url.path) (\(curves.count) run\(curves.count == 1 ? "" : "s"), \(points) points)")
    }

    private func printNote(_ text: String) {
        FileHandle.standardError.write(Data("note: \(text)\n".utf8))
    }

    static func axisLabel(_ field: String) -> String {
        switch field {
        case "tokens": return "Tokens"
        case "flops": return "Compute (FLOPs)"
        case "step": return "Step"
        case "loss": return "Training loss"
        case "val_loss": return "Validation loss"
        case "lr": return "Learning rate"
        case "grad_norm": return "Gradient norm"
        default: return field
        }
    }

    static func format(_ field: String) -> TickFormat {
        switch field {
        case "tokens": return .si
        case "flops": return .scientific
        default: return .auto
        }
    }
}

/// `windtunnel plot results`: one results-table column against another, a line per group.
struct PlotResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "A results-table column against another, one line per group (val loss vs LR per width).",
        discussion: "Example: plot results --input sweeps/lr-transfer-width --x lr --y val_loss --series d_model --panel parametrization --out lr.svg. Seed-mean rows are left out (each run is drawn); each line's lowest y is highlighted and printed.")

    @Option(help: "A sweep directory (its results.csv) or a results-table CSV.")
    var input: String

    @Option(help: "Output SVG file (written atomically).")
    var out: String

    @Option(help: "x column (default lr; log axis unless --linear-x).")
    var x: String = "lr"

    @Option(help: "y column.")
    var y: String = "val_loss"

    @Option(help: "Comma-separated columns whose values name a line (e.g. d_model or d_model,n_layer).")
    var series: String = "d_model"

    @Option(help: "A column whose values each get a panel (e.g. parametrization).")
    var panel: String?

    @Flag(help: "Linear x axis (default: log).")
    var linearX = false

    @Flag(help: "Log-scale y axis (rows with y ≤ 0 are left out).")
    var logY = false

    @Option(help: "Chart title.")
    var title: String?

    func run() throws {
        let request = ResultsChartRequest(input: input, x: x, y: y, series: series.split(separator: ",").map(String.init),
                                          panel: panel, logX: !linearX, logY: logY, title: title)
        do {
            let (figure, optima) = try ResultsChart.figure(request)
            let rendered = try figure.write(to: URL(fileURLWithPath: out))
            for line in optima { print(line) }
            for line in noteLines(rendered.notes, file: out) { FileHandle.standardError.write(Data("\(line)\n".utf8)) }
            print("wrote \(out)")
        } catch let error as FitReportError {
            throw CLIError(error.description)
        } catch let error as PlotError {
            throw CLIError(error.description)
        }
    }
}
