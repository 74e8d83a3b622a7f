import ArgumentParser
import Foundation
import ScalingLaws

/// `windtunnel fit`: reads a results table, a long-format curves CSV or a sweep directory, fits one
/// law and prints a parameter table (or JSON); `--out DIR` also writes DIR/fit.json.
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
            """
    )

    enum Law: String, ExpressibleByArgument, CaseIterable {
        case chinchilla, isoflop, envelope, kaplan, power, schedule, moe
    }

    @Option(help: "The law: \(Law.allCases.map(\.rawValue).joined(separator: "|")).")
    var law: Law

    @Option(help: "Results-table CSV, long-format curves CSV, or sweep directory.")
    var input: String

    @Option(help: "Bootstrap resamples for 95% intervals (0: none).")
    var bootstrap: Int?

    @Option(help: "Comma-separated FLOP budgets at which to report the compute-optimal allocation.")
    var budgets: String?

    @Flag(help: "Print machine-readable JSON instead of the table.")
    var json = false

    @Option(help: "Directory to write fit.json into (created if missing).")
    var out: String?

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

    func run() throws {
        if let threads, threads < 1 { throw CLIError("--threads must be ≥ 1, got \(threads)") }
        if let bootstrap, bootstrap < 0 { throw CLIError("--bootstrap must be ≥ 0, got \(bootstrap)") }
        do {
            let report = try fit()
            try emit(report)
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

    func fit() throws -> any FitReport {
        let threadCount = threads
        switch law {
        case .chinchilla:
            var options = ChinchillaOptions()
            options.sharedExponent = sharedExponent
            options.bootstrap = resamples(default: 1000)
            options.budgets = try parsedBudgets()
            options.threads = threadCount
            return try ChinchillaFit.fit(try resultsTable().parametersTokensLoss(), options: options)
        case .isoflop:
            var options = IsoFLOPOptions()
            options.window = try parsedWindow()
            options.skipEdgeMinima = !keepEdgeBudgets
            options.bootstrap = resamples(default: 1000)
            options.budgets = try parsedBudgets()
            options.threads = threadCount
            return try IsoFLOPFit.fit(try resultsTable(), options: options)
        case .envelope:
            var options = EnvelopeOptions()
            options.bootstrap = resamples(default: 1000)
            options.budgets = try parsedBudgets()
            options.threads = threadCount
            return try EnvelopeFit.fit(try curves(), options: options)
        case .kaplan:
            var options = KaplanOptions()
            options.bootstrap = resamples(default: 1000)
            options.threads = threadCount
            return try KaplanFit.fit(try resultsTable().parametersTokensLoss(), options: options)
        case .power:
            guard let xColumn else { throw CLIError("--law power needs --x-col (and optionally --y-col)") }
            let table = try resultsTable()
            var options = PowerLawOptions()
            options.offset = !noOffset
            options.bootstrap = resamples(default: 1000)
            options.threads = threadCount
            return try PowerLawFit.fit(table, xColumn: xColumn, yColumn: try yColumn ?? table.lossColumn(), options: options)
        case .schedule:
            return try fitSchedule()
        case .moe:
            var options = MoEOptions()
            options.expertTransform = try parsedSaturation()
            options.bootstrap = resamples(default: 200)
            options.threads = threadCount
            return try MoEFit.fit(try MoERows(table: try resultsTable()), options: options)
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

    func fitSchedule() throws -> any FitReport {
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

    func emit(_ report: any FitReport) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try encoder.encode(FitOutput(report: report, input: input, seed: seed))
        if let out {
            let directory = URL(fileURLWithPath: out)
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try data.write(to: directory.appendingPathComponent("fit.json"), options: .atomic)
            } catch {
                throw CLIError("--out \(out): cannot write fit.json (\(error.localizedDescription))")
            }
        }
        for warning in report.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        if json {
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("law: \(report.law)")
        for line in formatParameterTable(report.parameters) { print(line) }
        for line in report.detailLines() { print(line) }
        if let out { print("wrote \(URL(fileURLWithPath: out).appendingPathComponent("fit.json").path)") }
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
