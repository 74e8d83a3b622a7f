import ArgumentParser
import FitReports
import Foundation
import ScalingLaws

/// The command line as typed (arguments shell-quoted where needed), for report.md.
func shellCommandLine() -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%")
    let words = ["windtunnel"] + CommandLine.arguments.dropFirst().map { word in
        !word.isEmpty && word.allSatisfy(safe.contains) ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
    return words.joined(separator: " ")
}

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
            schedule: curves.svg; moe: fit.svg; farseer: fit.svg; with --holdout, holdout.svg; and \
            report.md (the command, parameters, held-out rows, guardrails, links to the charts).
            fit.json keeps the bootstrap draws `windtunnel predict --fit DIR/fit.json` reads \
            (chinchilla, farseer, kaplan, isoflop).
            Held-out validation (chinchilla, farseer, kaplan, isoflop): --holdout 'C>=1e13' (VAR OP \
            NUMBER, VAR one of C, N, D, OP one of >=, >, <=, <) or --holdout-runs a,b leaves those rows \
            (of the rows the fit uses: tuned rows or seed means) out, fits the rest, and prints for \
            each its observed and predicted loss, 95% interval, relative error, whether the interval \
            covers it, and C over the largest fitted C. isoflop predicts the frontier loss at the \
            row's C (a run that is not compute-optimal sits above it).
            --fix NAME=VALUE (chinchilla: E, A, B, alpha, beta; farseer: a1, b1, alpha, a2, b2, beta, \
            a3, b3, gamma) holds a parameter at a value: not fitted, not bootstrapped.
            Guardrails (one line each, "guardrail: …"): a parameter at its bound (E → 0), an isoFLOP \
            minimum at the edge of its sizes, a --budgets forecast beyond 10× the largest fitted C, \
            an N_opt/D_opt interval wider than a decade, runs beyond 4 epochs of their training split.
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
        // Long fits (large tables, many bootstrap refits) say what they are doing on stderr.
        FitProgress.shared.configure(sink: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        let report = try options.fit(law, commandLine: shellCommandLine())
        let data = try report.json()
        let outputs = try out.map { out in try userErrors { try report.writeOutputs(to: out) } }
        for line in outputs?.notes ?? [] { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let written = (outputs?.written ?? []) + (outputs?.report.map { [$0] } ?? [])
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
