import ArgumentParser
import FitReports
import Foundation

/// `windtunnel predict`: a stored fit's loss at (N, D), or at a budget C with the compute-optimal
/// allocation, with 95% bootstrap intervals. Reads fit.json; never refits. The work is
/// FitReports' (`PredictionReport`).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict the loss (and, at a budget, N_opt and D_opt) from a stored fit.",
        discussion: """
            --fit names a fit.json written by `windtunnel fit --law chinchilla|farseer|kaplan|isoflop \
            --out DIR` (or DIR itself). The interval is the 2.5–97.5% percentile of the prediction \
            over the fit's bootstrap draws (fit with --bootstrap 0: no interval).
            --n N --d D: the law's loss at N parameters and D tokens (not isoflop: its frontier says \
            nothing about other allocations).
            --c C: the loss of a compute-optimal run at C FLOPs in the fitted table's C units, with \
            N_opt and D_opt: chinchilla solves the allocation in closed form, farseer and kaplan \
            numerically, along 6ND = C / r, r = the fitted rows' median C/(6ND) (printed); isoflop \
            reads its N*(C), D*(C) and loss*(C) power laws.
            Guardrails: a C more than 10× the largest fitted C, an N_opt/D_opt interval wider than a \
            decade; the fit's own guardrails are repeated.
            """
    )

    @Option(help: "The fit.json to read (or the `fit --out` directory holding it).")
    var fit: String

    @Option(help: "Parameters N (with --d).")
    var n: Double?
    @Option(help: "Training tokens D (with --n).")
    var d: Double?
    @Option(help: "Compute budget C in FLOPs (instead of --n/--d).")
    var c: Double?

    @Flag(help: "Print machine-readable JSON instead of the table.")
    var json = false

    func run() throws {
        let query: PredictionReport.Query
        switch (n, d, c) {
        case (let n?, let d?, nil): query = .tokens(n: n, d: d)
        case (nil, nil, let c?): query = .budget(c)
        case (_, _, _?): throw CLIError("give either --n and --d, or --c, not both")
        default: throw CLIError("give --n N and --d D (loss at that size and data), or --c C (compute-optimal loss and allocation)")
        }
        let report = try userErrors { try PredictionReport(fit: fit, query: query) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            for line in report.textLines() { print(line) }
        }
    }
}
