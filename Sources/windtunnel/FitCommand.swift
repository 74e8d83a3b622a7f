import ArgumentParser
import FitReports
import Foundation

/// `windtunnel fit`: reads a results table, a long-format curves CSV or a sweep directory, fits one
/// law and prints a parameter table (or JSON); `--out DIR` also writes DIR/fit.json and the
/// law's charts (isoflop.svg, frontier.svg, fit.svg, ...). The work is FitReports'.
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
        let report = try options.fit(law)
        let data = try report.json()
        let outputs = try out.map { out in try userErrors { try report.writeOutputs(to: out) } }
        for line in outputs?.notes ?? [] { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let written = outputs?.written ?? []
        for warning in report.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        if json {
            print(String(decoding: data, as: UTF8.self))
            // stdout stays one JSON document; the file list goes to stderr.
            for url in written { FileHandle.standardError.write(Data("wrote \(url.path)\n".utf8)) }
        } else {
            for line in report.textLines() { print(line) }
            for url in written { print("wrote \(url.path)") }
        }
        // A chart that fails does not cost the fit or the other charts: they are written and
        // listed, then the failures make the exit status 1.
        if let failures = outputs?.failures, !failures.isEmpty {
            throw CLIError("--out \(out ?? ""): could not draw \(failures.joined(separator: "; "))")
        }
    }
}
