import ArgumentParser
import FitReports
import Foundation
import ScalingLaws

/// `--law` takes FitReports' law names as they are.
extension FitLaw: ExpressibleByArgument {}

/// Input, column and per-law options shared by `windtunnel fit` and the fit-based `plot` charts:
/// parsed and checked here, fitted and reported by FitReports.
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

    @Flag(name: .customLong("all-rows"), help: "Tuned or seeded sweep: fit every run row (default: the best row, or seed mean, of each point).")
    var allRows = false

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

    @Option(name: .customLong("fix"), help: ArgumentHelp("chinchilla, farseer, schedule: hold a parameter at a value instead of fitting it, e.g. E=1.7 (repeatable, or a comma list).", valueName: "NAME=VALUE"))
    var fix: [String] = []
    @Option(help: ArgumentHelp("chinchilla, farseer, kaplan, isoflop: leave the rows with C, N or D beyond a bound out of the fit and predict them: 'C>=1e13' (operators >=, >, <=, <).", valueName: "VAR OP NUMBER"))
    var holdout: String?
    @Option(name: .customLong("holdout-runs"), help: "Like --holdout, by comma-separated run ids.")
    var holdoutRuns: String?

    @Option(help: "Bootstrap seed.")
    var seed: UInt64 = 0
    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    /// Fits `law`: checks the options the law reads, then hands the request to FitReports, whose
    /// input and output errors become one-line user errors.
    func fit(_ law: FitLaw, commandLine: String? = nil) throws -> FittedReport {
        if let threads, threads < 1 { throw CLIError("--threads must be ≥ 1, got \(threads)") }
        if let bootstrap, bootstrap < 0 { throw CLIError("--bootstrap must be ≥ 0, got \(bootstrap)") }
        var request = try self.request(law)
        request.commandLine = commandLine
        return try userErrors { try FittedReport(request) }
    }

    /// The request for `law`. Only the options the law reads are parsed (a chinchilla fit
    /// ignores --window), in the order the law reads them.
    func request(_ law: FitLaw) throws -> FitRequest {
        var request = FitRequest(law: law, input: input)
        request.columns = columns
        request.bootstrap = bootstrap
        request.seed = seed
        request.threads = threads
        request.allRows = allRows
        request.fixed = try parsedFixes()
        switch (holdout, holdoutRuns) {
        case (let rule?, nil): request.holdout = try userErrors { try HoldoutRule.parse(rule) }
        case (nil, let runs?):
            let ids = runs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !ids.isEmpty else { throw CLIError("--holdout-runs '\(runs)': expected comma-separated run ids") }
            request.holdout = .runs(ids)
        case (_?, _?): throw CLIError("give --holdout or --holdout-runs, not both")
        case (nil, nil): break
        }
        switch law {
        case .farseer:
            request.budgets = try parsedBudgets()
        case .chinchilla:
            request.sharedExponent = sharedExponent
            request.budgets = try parsedBudgets()
        case .isoflop:
            request.window = try parsedWindow()
            request.keepEdgeBudgets = keepEdgeBudgets
            request.budgets = try parsedBudgets()
        case .envelope:
            request.budgets = try parsedBudgets()
        case .kaplan:
            break
        case .power:
            request.xColumn = xColumn
            request.yColumn = yColumn
            request.offset = !noOffset
        case .schedule:
            guard let kind = ScheduleLawKind(rawValue: scheduleLaw) else {
                throw CLIError("--schedule-law '\(scheduleLaw)': expected multi-power or annealing")
            }
            func list(_ text: String?) -> Set<String>? {
                text.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
            }
            request.scheduleLaw = kind
            request.fitRuns = list(fitRuns)
            request.predictRuns = list(predictRuns)
            request.fitSchedules = list(fitSchedules)
            request.predictSchedules = list(predictSchedules)
        case .moe:
            request.expertTransform = try parsedSaturation()
        }
        return request
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

    /// `--fix E=1.7 --fix alpha=0.3` or `--fix E=1.7,alpha=0.3`: names are checked by the law.
    func parsedFixes() throws -> [ParameterFix] {
        try fix.flatMap { $0.split(separator: ",") }.map { item in
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]), value.isFinite else {
                throw CLIError("--fix '\(item)': expected NAME=VALUE with a number, e.g. E=1.7")
            }
            return ParameterFix(name: parts[0], value: value)
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
}

/// Runs `body`, turning FitReports' errors into one-line user errors (exit 1).
func userErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as FitReportError {
        throw CLIError(error.description)
    }
}
