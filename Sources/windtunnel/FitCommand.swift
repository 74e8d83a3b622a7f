import ArgumentParser
import Foundation
import Plot
import ScalingLaws

/// `windtunnel fit`: reads a results table, a long-format curves CSV or a sweep directory, fits one
/// law and prints a parameter table (or JSON); `--out DIR` also writes DIR/fit.json and the
/// law's charts (FitPlots: isoflop.svg, frontier.svg, fit.svg, ...).
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a scaling law to a results table, a loss-curve table or a sweep directory.",
        discussion: """
            Inputs: a results-table CSV (run_id,N,D,C,loss,val_loss,…; see DESIGN.md), or a sweep \
            directory holding results.csv and runs/<run_id>/metrics.jsonl. The envelope and schedule \
            laws read loss curves: from a sweep directory, or from a long-format CSV with columns \
            run_id,step,flops,lr,loss (optional tokens, val_loss, N, schedule).
            Loss column: val_loss when it has values, else loss (curves: loss); --loss-col overrides.
            Bootstrap default: 1000 resamples (moe 200, schedule 0); --bootstrap 0 gives no intervals.
            --out DIR writes fit.json and the law's charts: isoflop: isoflop.svg, frontier.svg; \
            chinchilla: fit.svg, frontier.svg (and isoflop.svg when the runs form FLOP budgets); \
            envelope: frontier.svg, envelope.svg; kaplan: fit.svg, laws.svg; power: power.svg, fit.svg; \
            schedule: curves.svg; moe: fit.svg. `windtunnel plot isoflop|frontier|fit` draws one of them.
            """
    )

    @Option(help: "The law: \(FitLaw.choices).")
    var law: FitLaw

    @OptionGroup var options: FitOptions

    @Flag(help: "Print machine-readable JSON instead of the table.")
    var json = false

    @Option(help: "Directory to write fit.json and the law's SVG charts into (created if missing).")
    var out: String?

    func run() throws {
        let fitted = try options.fit(law)
        let report = fitted.report
        let data = try encodeFitJSON(report)
        var written: [URL] = []
        var failures: [String] = []
        if let out {
            let directory = URL(fileURLWithPath: out)
            let url = directory.appendingPathComponent("fit.json")
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try data.write(to: url, options: .atomic)
            } catch {
                throw CLIError("--out \(out): cannot write fit.json (\(error.localizedDescription))")
            }
            written.append(url)
            // A chart that fails must not cost the fit: write the others, report, exit 1 at the end.
            for chart in fitted.charts {
                let url = directory.appendingPathComponent(chart.fileName)
                do {
                    guard let figure = try FitPlots.figure(chart, for: fitted) else { continue }
                    let rendered = try figure.write(to: url)
                    printNotes(rendered.notes, file: chart.fileName)
                    written.append(url)
                } catch let error as PlotError {
                    failures.append("\(chart.fileName): \(error.description)")
                }
            }
        }
        for warning in report.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        if json {
            print(String(decoding: data, as: UTF8.self))
            // stdout stays one JSON document; the file list goes to stderr.
            for url in written { FileHandle.standardError.write(Data("wrote \(url.path)\n".utf8)) }
        } else {
            print("law: \(report.law)")
            for line in formatParameterTable(report.parameters) { print(line) }
            for line in report.detailLines() { print(line) }
            for url in written { print("wrote \(url.path)") }
        }
        if !failures.isEmpty {
            throw CLIError("--out \(out ?? ""): could not draw \(failures.joined(separator: "; "))")
        }
    }

    func encodeFitJSON(_ report: any FitReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(FitOutput(report: report, input: options.input, seed: options.seed))
    }
}

/// Renderer notes (points a log axis could not show...), at most five per file, on stderr; the
/// per-series "outside the axis range" notes of a focused axis become one line.
func printNotes(_ notes: [String], file: String) {
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
    for line in lines.prefix(5) { FileHandle.standardError.write(Data("note: \(file): \(line)\n".utf8)) }
    if lines.count > 5 {
        FileHandle.standardError.write(Data("note: \(file): ... and \(lines.count - 5) more (in the SVG's <desc> elements)\n".utf8))
    }
}

/// fit.json: the law's result with the input, seed and format version alongside.
struct FitOutput: Encodable {
    let report: any FitReport
    let input: String
    let seed: UInt64

    enum Keys: String, CodingKey { case input, seed, formatVersion = "format_version" }

    func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(input, forKey: .input)
        try container.encode(seed, forKey: .seed)
        try container.encode(ScalingLaws.resultFormatVersion, forKey: .formatVersion)
    }
}
