/// FitReports: a scaling-law fit from request to report. ScalingLaws fits and Plot draws, and
/// neither knows the other (DESIGN.md); this module joins them, so `windtunnel fit` and
/// `windtunnel plot isoflop|frontier|fit` only parse arguments and call it, and a fit's charts are
/// tested without running the binary.
///
/// What lives here:
/// - The request (FitRequest.swift): `FitLaw` and `FitRequest`, the options of `windtunnel fit`
///   once the CLI has parsed and checked them.
/// - Reading the input (FitInput.swift): a results-table CSV, a long-format loss-curve CSV or a
///   sweep directory, as the law needs it.
/// - The law dispatch (FittedLaw.swift): `FittedLaw`, a law's result with the rows its charts
///   need beyond what the result keeps.
/// - The report (FittedReport.swift): `FittedReport` with the text the CLI prints (parameter
///   table, detail lines), warnings, fit.json, and writing `--out DIR` (fit.json and every chart,
///   each file atomically: temp file, then rename).
/// - The charts (FitPlots.swift, FitDiagnosticPlots.swift): `FitChart`, the charts each law
///   draws, and each chart's `Figure`.
/// - Held-out validation (Holdout.swift): `HoldoutRule` (`--holdout 'C>=1e13'`,
///   `--holdout-runs`), the split of the fitted rows, `HoldoutReport`; its chart and report.md
///   in HoldoutReportOutputs.swift.
/// - Guardrails (Guardrails.swift): one line per reason not to trust a printed number.
/// - Prediction (Prediction.swift): `PredictionReport`, what `windtunnel predict` prints from a
///   stored fit.json.
/// - `FitReportError`: what goes wrong with the input or the output, one line each (the CLI
///   prints it and exits 1).
import Foundation
import RunSchema

/// An input or output error of a fit report; `description` is the one line a user reads.
public enum FitReportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The input path does not exist.
    case inputNotFound(input: String)
    /// A sweep directory without its results table.
    case noResultsTable(input: String)
    /// The input does not suit the law or the request (ScalingLaws' readers and fits, the run
    /// selection of a schedule fit).
    case invalid(String)
    /// The fitted law has no such chart (isoflop: the runs do not form FLOP budgets).
    case noChart(FitChart, law: String, input: String)
    /// fit.json could not be written into the output directory.
    case cannotWriteJSON(directory: String, reason: String)

    public var description: String {
        switch self {
        case .inputNotFound(let input): return "--input \(input): no such file or directory"
        case .noResultsTable(let input):
            return "--input \(input): a sweep directory needs \(SweepFiles.resultsFileName) (not found)"
        case .invalid(let message): return message
        case .noChart(.isoflop, _, let input):
            return "--input \(input): the runs do not form FLOP budgets (2 to 16 values of C with at least 3 runs each); no isoFLOP chart to draw"
        case .noChart(let chart, let law, _): return "the \(law) fit has no \(chart.rawValue) chart"
        case .cannotWriteJSON(let directory, let reason): return "--out \(directory): cannot write fit.json (\(reason))"
        }
    }
}
