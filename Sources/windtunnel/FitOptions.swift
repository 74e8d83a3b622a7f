import ArgumentParser
import Foundation
import ScalingLaws

/// The laws `windtunnel fit` knows.
enum FitLaw: String, ExpressibleByArgument, CaseIterable {
    case chinchilla, isoflop, envelope, kaplan, power, schedule, moe

    static var choices: String { allCases.map(\.rawValue).joined(separator: "|") }
}

/// A fit result together with the inputs its plots need beyond what the result keeps (the rows
/// behind residuals, the loss curves behind an envelope).
enum FittedLaw {
    case chinchilla(ChinchillaResult, rows: ScalingRows)
    case isoflop(IsoFLOPResult)
    case envelope(EnvelopeResult, curves: LossCurveSet)
    case kaplan(KaplanResult, rows: ScalingRows)
    /// `x` is in the order of `result.residuals`.
    case power(PowerLawResult, x: [Double])
    case schedule(ScheduleResult)
    case moe(MoEResult, rows: MoERows)

    var report: any FitReport {
        switch self {
        case .chinchilla(let r, _): return r
        case .isoflop(let r): return r
        case .envelope(let r, _): return r
        case .kaplan(let r, _): return r
        case .power(let r, _): return r
        case .schedule(let r): return r
        case .moe(let r, _): return r
        }
    }
}

/// Input, column and per-law options shared by `windtunnel fit` and the fit-based `plot` charts.
struct FitOptions: ParsableArguments {
    @Option(help: "Results-table CSV, long-format curves CSV, or sweep directory.")
    var input: String

    @Option(help: "Bootstrap resamples for 95% intervals (0: none).")
    var bootstrap: Int?

    @Option(help: "Comma-separated FLOP budgets at which to report the compute-optimal allocation.")
    var budgets: String?

    @Option(name: .customLong("n-col"), help: "Column holding the parameter count N.")
    var nColumn: String?
    @Option(name: .customLong("d-col"), help: "Column holding the token count D.")
    var dColumn: String?
    @Option(name: .customLong("c-col"), help: "Column holding the compute C (FLOPs).")
    var cColumn: String?
    @Option(name: .customLong("loss-col"), help: "Column holding the loss.")
    var lossColumn: String?
    @Option(name: .customLong("run-col"), help: "Column holding the run id.")
    var runColumn: String?
    @Option(name: .customLong("budget-col"), help: "isoflop: column naming each run's FLOP budget.")
    var budgetColumn: String?
    @Option(name: .customLong("x-col"), help: "power: the x column.")
    var xColumn: String?
    @Option(name: .customLong("y-col"), help: "power: the y column (default: the loss column).")
    var yColumn: String?

    @Flag(name: .customLong("shared-exponent"), help: "chinchilla: fit one exponent (α = β).")
    var sharedExponent = false
    @Option(help: "isoflop: parabola window: all, nearest:K, or factor:F (sizes within ×F of the observed minimum).")
    var window: String = "nearest:5"
    @Flag(name: .customLong("keep-edge-budgets"), help: "isoflop: keep budgets whose lowest loss is at the smallest or largest size.")
    var keepEdgeBudgets = false
    @Flag(name: .customLong("no-offset"), help: "power: fit y = A·x^−α without the offset E.")
    var noOffset = false
    @Option(name: .customLong("schedule-law"), help: "schedule: multi-power (default) or annealing.")
    var scheduleLaw: String = "multi-power"
    @Option(name: .customLong("fit-runs"), help: "schedule: comma-separated run ids to fit (default: all not predicted).")
    var fitRuns: String?
    @Option(name: .customLong("predict-runs"), help: "schedule: comma-separated run ids to predict.")
    var predictRuns: String?
    @Option(name: .customLong("fit-schedules"), help: "schedule: fit the runs with these schedule names.")
    var fitSchedules: String?
    @Option(name: .customLong("predict-schedules"), help: "schedule: predict the runs with these schedule names.")
    var predictSchedules: String?
    @Option(name: .customLong("expert-saturation"), help: "moe: Clark's Ê: none (Ê = E), fit, or START,MAX.")
    var expertSaturation: String = "none"

    @Option(help: "Bootstrap seed.")
    var seed: UInt64 = 0
    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    /// Fits `law`; library errors become one-line user errors.
    func fit(_ law: FitLaw) throws -> FittedLaw {
        if let threads, threads < 1 { throw CLIError("--threads must be ≥ 1, got \(threads)") }
        if let bootstrap, bootstrap < 0 { throw CLIError("--bootstrap must be ≥ 0, got \(bootstrap)") }
        do {
            return try fitUnchecked(law)
        } catch let error as FitError {
            throw CLIError(error.message)
        }
    }

    var columns: ColumnNames {
        var c = ColumnNames()
        if let nColumn { c.n = nColumn }
        if let dColumn { c.d = dColumn }
        if let cColumn { c.c = cColumn }
        if let runColumn { c.runID = runColumn }
        c.loss = lossColumn
        c.budget = budgetColumn
        return c
    }

    func resamples(default value: Int) -> BootstrapOptions {
        BootstrapOptions(resamples: bootstrap ?? value, seed: seed)
    }

    func parsedBudgets() throws -> [Double] {
        guard let budgets else { return [] }
        return try budgets.split(separator: ",").map { text in
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let value = Double(trimmed), value > 0, value.isFinite else {
                throw CLIError("--budgets: '\(trimmed)' is not a positive number of FLOPs")
            }
            return value
        }
    }

    /// The input as a directory (sweep) or a file.
    var inputURL: URL { URL(fileURLWithPath: input) }

    func inputIsDirectory() throws -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw CLIError("--input \(input): no such file or directory")
        }
        return isDirectory.boolValue
    }

    func resultsTable() throws -> ResultsTable {
        if try inputIsDirectory() {
            let url = inputURL.appendingPathComponent("results.csv")
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw CLIError("--input \(input): a sweep directory needs results.csv (not found)")
            }
            return try ResultsTable.read(contentsOf: url, columns: columns)
        }
        return try ResultsTable.read(contentsOf: inputURL, columns: columns)
    }

    func curves() throws -> LossCurveSet {
        if try inputIsDirectory() {
            return try LossCurveSet.readSweep(inputURL, table: try resultsTable(), lossColumn: lossColumn)
        }
        return try LossCurveSet.readLongCSV(inputURL, columns: columns, lossColumn: lossColumn)
    }

    private func fitUnchecked(_ law: FitLaw) throws -> FittedLaw {
        switch law {
        case .chinchilla:
            var options = ChinchillaOptions()
            options.sharedExponent = sharedExponent
            options.bootstrap = resamples(default: 1000)
            options.budgets = try parsedBudgets()
            options.threads = threads
            let rows = try resultsTable().parametersTokensLoss()
            return .chinchilla(try ChinchillaFit.fit(rows, options: options), rows: rows)
        case .isoflop:
            var options = IsoFLOPOptions()
            options.window = try parsedWindow()
            options.skipEdgeMinima = !keepEdgeBudgets
            options.bootstrap = resamples(default: 1000)
            options.budgets = try parsedBudgets()
            options.threads = threads
            return .isoflop(try IsoFLOPFit.fit(try resultsTable(), options: options))
        case .envelope:
            var options = EnvelopeOptions()
            options.bootstrap = resamples(default: 1000)
            options.budgets = try parsedBudgets()
            options.threads = threads
            let set = try curves()
            return .envelope(try EnvelopeFit.fit(set, options: options), curves: set)
        case .kaplan:
            var options = KaplanOptions()
            options.bootstrap = resamples(default: 1000)
            options.threads = threads
            let rows = try resultsTable().parametersTokensLoss()
            return .kaplan(try KaplanFit.fit(rows, options: options), rows: rows)
        case .power:
            guard let xColumn else { throw CLIError("--law power needs --x-col (and optionally --y-col)") }
            let table = try resultsTable()
            let yName = try yColumn ?? table.lossColumn()
            var options = PowerLawOptions()
            options.offset = !noOffset
            options.bootstrap = resamples(default: 1000)
            options.threads = threads
            let result = try PowerLawFit.fit(table, xColumn: xColumn, yColumn: yName, options: options)
            return .power(result, x: try powerX(table, xColumn: xColumn, yColumn: yName))
        case .schedule:
            return .schedule(try fitSchedule())
        case .moe:
            var options = MoEOptions()
            options.expertTransform = try parsedSaturation()
            options.bootstrap = resamples(default: 200)
            options.threads = threads
            let rows = try MoERows(table: try resultsTable())
            return .moe(try MoEFit.fit(rows, options: options), rows: rows)
        }
    }

    /// The x values `PowerLawFit.fit(_:xColumn:yColumn:)` fitted, in its row order: the rows
    /// where both cells have values (the fit has already rejected bad values).
    private func powerX(_ table: ResultsTable, xColumn: String, yColumn: String) throws -> [Double] {
        let xi = try table.csv.requireColumn(xColumn), yi = try table.csv.requireColumn(yColumn)
        return try (0..<table.rowCount).compactMap { row in
            guard let x = try table.number(row, xi), try table.number(row, yi) != nil else { return nil }
            return x
        }
    }

    func parsedWindow() throws -> IsoFLOPWindow {
        let parts = window.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count > 1 ? Double(parts[1]) : nil) {
        case ("all", _) where parts.count == 1: return .all
        case ("nearest", let k?) where k >= 3 && k == k.rounded(): return .nearest(Int(k))
        case ("factor", let f?) where f > 1: return .logHalfWidth(log(f))
        default: throw CLIError("--window '\(window)': expected all, nearest:K (K ≥ 3) or factor:F (F > 1)")
        }
    }

    func parsedSaturation() throws -> ExpertTransform {
        switch expertSaturation {
        case "none": return .plain
        case "fit": return .fittedSaturating
        default:
            let parts = expertSaturation.split(separator: ",").compactMap { Double($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > parts[0] else {
                throw CLIError("--expert-saturation '\(expertSaturation)': expected none, fit or START,MAX with 0 < START < MAX")
            }
            return .saturating(start: parts[0], max: parts[1])
        }
    }

    func fitSchedule() throws -> ScheduleResult {
        guard let kind = ScheduleLawKind(rawValue: scheduleLaw) else {
            throw CLIError("--schedule-law '\(scheduleLaw)': expected multi-power or annealing")
        }
        func list(_ text: String?) -> Set<String>? {
            text.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        }
        let set = try curves()
        let fitIDs = list(fitRuns), predictIDs = list(predictRuns)
        let fitNames = list(fitSchedules), predictNames = list(predictSchedules)
        for (option, ids) in [("--fit-runs", fitIDs), ("--predict-runs", predictIDs)] {
            for id in ids ?? [] where !set.curves.contains(where: { $0.runID == id }) {
                throw CLIError("\(option): no curve for run '\(id)'; runs: \(set.curves.map(\.runID).joined(separator: ", "))")
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
        guard !fitted.isEmpty else { throw CLIError("schedule: no curves selected to fit (check --fit-runs/--fit-schedules)") }
        var options = ScheduleOptions()
        options.law = kind
        options.bootstrap = resamples(default: 0)
        options.threads = threads
        var result = try ScheduleFit.fit(fitted, predict: predicted, options: options)
        result.warnings = set.warnings + result.warnings
        return result
    }
}
