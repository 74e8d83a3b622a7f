import Foundation
import ScalingLaws

/// A fit result together with the inputs its charts need beyond what the result keeps (the rows
/// behind residuals, the loss curves behind an envelope).
public enum FittedLaw: Sendable {
    case chinchilla(ChinchillaResult, rows: ScalingRows)
    case isoflop(IsoFLOPResult)
    case envelope(EnvelopeResult, curves: LossCurveSet)
    case kaplan(KaplanResult, rows: ScalingRows)
    /// `x` is in the order of `result.residuals`.
    case power(PowerLawResult, x: [Double])
    case schedule(ScheduleResult)
    case moe(MoEResult, rows: MoERows)
    case farseer(FarseerResult, rows: ScalingRows)

    /// The law's result: what fit.json and the parameter table show.
    public var result: any FitReport {
        switch self {
        case .chinchilla(let r, _): return r
        case .isoflop(let r): return r
        case .envelope(let r, _): return r
        case .kaplan(let r, _): return r
        case .power(let r, _): return r
        case .schedule(let r): return r
        case .moe(let r, _): return r
        case .farseer(let r, _): return r
        }
    }

    /// What fit.json keeps for `windtunnel predict` and held-out validation (nil for laws that
    /// predict neither a loss at (N, D) nor along a compute frontier). `accounting` names how the
    /// table counted C.
    public func predictor(accounting: String) -> LawPredictor? {
        switch self {
        case .chinchilla(let r, let rows): return r.predictor(rows: rows, accounting: accounting)
        case .farseer(let r, let rows): return r.predictor(rows: rows, accounting: accounting)
        case .kaplan(let r, let rows): return r.predictor(rows: rows, accounting: accounting)
        case .isoflop(let r): return r.predictor(accounting: accounting)
        case .envelope, .power, .schedule, .moe: return nil
        }
    }

    /// RMS of the log residuals of the fitted rows (isoflop: of each used budget's parabola over
    /// its window), nil for laws without per-row residuals: what the seed noise is compared with.
    public var rmsLogResidual: Double? {
        let residuals: [Double]
        switch self {
        case .chinchilla(let r, _): residuals = r.residuals.map(\.logResidual)
        case .farseer(let r, _): residuals = r.residuals.map(\.logResidual)
        case .kaplan(let r, _): residuals = r.residuals.map(\.logResidual)
        case .power(let r, _): residuals = r.residuals.map(\.logResidual)
        case .moe(let r, _): residuals = r.clarkResiduals.map(\.logResidual)
        case .isoflop(let r):
            residuals = r.budgets.filter(\.used).flatMap { b -> [Double] in
                guard let parabola = b.parabolaN else { return [] }
                return b.points.filter(\.inWindow).map { Foundation.log(parabola.value(Foundation.log($0.N))) - Foundation.log($0.loss) }
            }
        case .envelope, .schedule: return nil
        }
        guard !residuals.isEmpty else { return nil }
        return (residuals.reduce(0) { $0 + $1 * $1 } / Double(residuals.count)).squareRoot()
    }

    /// Reads the request's input and fits its law. Throws `FitReportError` for a missing input
    /// or an impossible run selection, and ScalingLaws' `FitError` for everything the readers
    /// and fits reject.
    init(fitting request: FitRequest) throws {
        if !request.fixed.isEmpty && !request.law.fixable {
            throw FitReportError.invalid("--fix: the \(request.law.rawValue) law has no fitted parameters to fix; --fix works with chinchilla, farseer and schedule")
        }
        switch request.law {
        case .farseer:
            var options = FarseerOptions()
            options.fixed = request.fixed
            options.bootstrap = request.resamples(default: 1000)
            options.budgets = request.budgets
            options.threads = request.threads
            let rows = try request.resultsTable().parametersTokensLoss()
            self = .farseer(try FarseerFit.fit(rows, options: options), rows: rows)
        case .chinchilla:
            var options = ChinchillaOptions()
            options.fixed = request.fixed
            options.sharedExponent = request.sharedExponent
            options.bootstrap = request.resamples(default: 1000)
            options.budgets = request.budgets
            options.threads = request.threads
            let rows = try request.resultsTable().parametersTokensLoss()
            self = .chinchilla(try ChinchillaFit.fit(rows, options: options), rows: rows)
        case .isoflop:
            var options = IsoFLOPOptions()
            options.window = request.window
            options.skipEdgeMinima = !request.keepEdgeBudgets
            options.bootstrap = request.resamples(default: 1000)
            options.budgets = request.budgets
            options.threads = request.threads
            self = .isoflop(try IsoFLOPFit.fit(try request.resultsTable(), options: options))
        case .envelope:
            var options = EnvelopeOptions()
            options.bootstrap = request.resamples(default: 1000)
            options.budgets = request.budgets
            options.threads = request.threads
            let set = try request.curves()
            self = .envelope(try EnvelopeFit.fit(set, options: options), curves: set)
        case .kaplan:
            var options = KaplanOptions()
            options.bootstrap = request.resamples(default: 1000)
            options.threads = request.threads
            let rows = try request.resultsTable().parametersTokensLoss()
            self = .kaplan(try KaplanFit.fit(rows, options: options), rows: rows)
        case .power:
            guard let xColumn = request.xColumn else {
                throw FitReportError.invalid("--law power needs --x-col (and optionally --y-col)")
            }
            let table = try request.resultsTable()
            let yName = try request.yColumn ?? table.lossColumn()
            var options = PowerLawOptions()
            options.offset = request.offset
            options.bootstrap = request.resamples(default: 1000)
            options.threads = request.threads
            let result = try PowerLawFit.fit(table, xColumn: xColumn, yColumn: yName, options: options)
            self = .power(result, x: try Self.powerX(table, xColumn: xColumn, yColumn: yName))
        case .schedule:
            self = .schedule(try Self.fitSchedule(request))
        case .moe:
            var options = MoEOptions()
            options.expertTransform = request.expertTransform
            options.bootstrap = request.resamples(default: 200)
            options.threads = request.threads
            let rows = try MoERows(table: try request.resultsTable())
            self = .moe(try MoEFit.fit(rows, options: options), rows: rows)
        }
    }

    /// The x values `PowerLawFit.fit(_:xColumn:yColumn:)` fitted, in its row order: the rows
    /// where both cells have values (the fit has already rejected bad values).
    private static func powerX(_ table: ResultsTable, xColumn: String, yColumn: String) throws -> [Double] {
        let xi = try table.csv.requireColumn(xColumn), yi = try table.csv.requireColumn(yColumn)
        return try (0..<table.rowCount).compactMap { row in
            guard let x = try table.number(row, xi), try table.number(row, yi) != nil else { return nil }
            return x
        }
    }

    /// Fits the selected curves and predicts the held-out ones: by run id or schedule name; with
    /// no fit selection, every curve not predicted is fitted.
    private static func fitSchedule(_ request: FitRequest) throws -> ScheduleResult {
        let set = try request.curves()
        let fitIDs = request.fitRuns, predictIDs = request.predictRuns
        let fitNames = request.fitSchedules, predictNames = request.predictSchedules
        for (option, ids) in [("--fit-runs", fitIDs), ("--predict-runs", predictIDs)] {
            for id in ids ?? [] where !set.curves.contains(where: { $0.runID == id }) {
                throw FitReportError.invalid(
                    "\(option): no curve for run '\(id)'; runs: \(set.curves.map(\.runID).joined(separator: ", "))")
            }
        }
        func isPredicted(_ c: LossCurve) -> Bool {
            (predictIDs?.contains(c.runID) ?? false) || (c.schedule.map { predictNames?.contains($0) ?? false } ?? false)
        }
        func isFitted(_ c: LossCurve) -> Bool {
            if fitIDs == nil && fitNames == nil { return !isPredicted(c) }
            return (fitIDs?.contains(c.runID) ?? false) || (c.schedule.map { fitNames?.contains($0) ?? false } ?? false)
        }
        let fitted = try set.curves.filter(isFitted).map(ScheduleCurve.init)
        let predicted = try set.curves.filter(isPredicted).map(ScheduleCurve.init)
        guard !fitted.isEmpty else {
            throw FitReportError.invalid("schedule: no curves selected to fit (check --fit-runs/--fit-schedules)")
        }
        var options = ScheduleOptions()
        options.law = request.scheduleLaw
        options.bootstrap = request.resamples(default: 0)
        options.threads = request.threads
        options.fixed = request.fixed
        var result = try ScheduleFit.fit(fitted, predict: predicted, options: options)
        result.warnings = set.warnings + result.warnings
        return result
    }
}
