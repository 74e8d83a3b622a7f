import Foundation
import RunSchema
import ScalingLaws

/// Which rows `--holdout` leaves out of the fit, to predict them and compare. The grammar is one
/// comparison of a row's C, N or D with a number (`C>=1e13`, `C>3e12`, `N<=1e6`, `D<2e8`; the
/// operators >=, >, <=, <), or an explicit list of run ids (`--holdout-runs a,b`). It applies to
/// the rows the fit uses: a tuned or seeded sweep's best rows or seed means (`RowSelection`).
public enum HoldoutRule: Sendable, Equatable, CustomStringConvertible {
    case compare(variable: Variable, op: Comparison, value: Double)
    case runs([String])

    public enum Variable: String, Sendable, CaseIterable { case C, N, D }
    public enum Comparison: String, Sendable, CaseIterable {
        case atLeast = ">=", above = ">", atMost = "<=", below = "<"
        func holds(_ x: Double, _ bound: Double) -> Bool {
            switch self {
            case .atLeast: return x >= bound
            case .above: return x > bound
            case .atMost: return x <= bound
            case .below: return x < bound
            }
        }
    }

    /// Parses `C>=1e13` (spaces allowed); throws `FitReportError.invalid` naming the grammar.
    public static func parse(_ text: String) throws -> HoldoutRule {
        let compact = text.filter { !$0.isWhitespace }
        let grammar = "expected VAR OP NUMBER with VAR one of C, N, D and OP one of >=, >, <=, < (e.g. 'C>=1e13')"
        guard let variable = Variable(rawValue: String(compact.prefix(1))) else {
            throw FitReportError.invalid("--holdout '\(text)': \(grammar)")
        }
        let rest = compact.dropFirst()
        // Two-character operators first, so ">=" is not read as ">" then "=1e13".
        for op in [Comparison.atLeast, .atMost, .above, .below] where rest.hasPrefix(op.rawValue) {
            guard let value = Double(rest.dropFirst(op.rawValue.count)), value.isFinite else {
                throw FitReportError.invalid("--holdout '\(text)': '\(rest.dropFirst(op.rawValue.count))' is not a number; \(grammar)")
            }
            return .compare(variable: variable, op: op, value: value)
        }
        throw FitReportError.invalid("--holdout '\(text)': \(grammar)")
    }

    public var description: String {
        switch self {
        case .compare(let variable, let op, let value): return "\(variable.rawValue)\(op.rawValue)\(formatNumber(value))"
        case .runs(let ids): return "runs \(ids.joined(separator: ","))"
        }
    }

    /// The option as typed, for messages.
    var option: String {
        switch self {
        case .compare: return "--holdout '\(description)'"
        case .runs(let ids): return "--holdout-runs \(ids.joined(separator: ","))"
        }
    }

    /// Splits the rows the fit uses into the rows fitted and the rows held out; throws when the
    /// rule selects nothing, or names a run the table does not have.
    func split(_ table: ResultsTable) throws -> (fit: ResultsTable, heldOut: ResultsTable) {
        let rows = try table.parametersTokensLoss()
        var held = Set<Int>()
        switch self {
        case .compare(let variable, let op, let value):
            let values = variable == .C ? rows.c : variable == .N ? rows.n : rows.d
            for i in values.indices where op.holds(values[i], value) { held.insert(rows.tableRows[i]) }
            guard !held.isEmpty else {
                let range = values.isEmpty ? "no rows" : "\(variable.rawValue) from \(formatNumber(values.min()!)) to \(formatNumber(values.max()!))"
                throw FitReportError.invalid("\(option): selects none of the \(rows.count) rows the fit uses (\(range))")
            }
        case .runs(let ids):
            for id in ids {
                guard let i = rows.runIDs.firstIndex(of: id) else {
                    throw FitReportError.invalid("\(option): no fitted row has run_id '\(id)' (rows: \(rows.runIDs.prefix(12).joined(separator: ", "))\(rows.count > 12 ? ", …" : ""))")
                }
                held.insert(rows.tableRows[i])
            }
        }
        func subset(_ keep: (Int) -> Bool) -> ResultsTable {
            let csv = CSVTable(source: table.csv.source, header: table.csv.header,
                               rows: (0..<table.rowCount).filter(keep).map { table.csv.rows[$0] })
            return ResultsTable(csv: csv, columns: table.columns)
        }
        return (subset { !held.contains($0) }, subset { held.contains($0) })
    }
}

/// One held-out row: what the law fitted on the other rows predicts for it.
public struct HeldOutPrediction: Codable, Sendable, Equatable {
    public var runID: String
    public var N: Double
    public var D: Double
    public var C: Double
    public var observed: Double
    public var predicted: ParameterEstimate
    /// predicted / observed − 1.
    public var relativeError: Double
    /// Whether the observed loss lies inside the 95% interval (false without bootstrap).
    public var covered: Bool
    /// Its C over the largest fitted C.
    public var extrapolation: Double
    /// Epochs of its training split, when the table has them.
    public var epochs: Double?

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", N, D, C, observed, predicted, relativeError = "relative_error", covered
        case extrapolation = "extrapolation_factor", epochs
    }
}

/// The held-out validation of a fit: the rule, what the prediction means for this law, each
/// held-out row.
public struct HoldoutReport: Codable, Sendable, Equatable {
    public var rule: String
    /// How the law predicts a held-out row.
    public var basis: String
    public var rows: [HeldOutPrediction]
    public var largestFittedC: Double
    public var meanAbsRelativeError: Double
    /// Covered rows over held-out rows (0 without bootstrap).
    public var coverage: Double

    enum CodingKeys: String, CodingKey {
        case rule, basis, rows, largestFittedC = "largest_fitted_C"
        case meanAbsRelativeError = "mean_abs_relative_error", coverage
    }

    /// Predicts every held-out row with the law fitted on the others.
    init(rule: HoldoutRule, predictor: LawPredictor, heldOut: ResultsTable) throws {
        self.rule = rule.description
        basis = predictor.law == .isoflop
            ? "the frontier loss at the run's C (the loss of a compute-optimal run: a held-out run that is not compute-optimal sits above it)"
            : "the \(predictor.law.rawValue) law at the run's N and D"
        largestFittedC = predictor.largestFittedC
        let rows = try heldOut.parametersTokensLoss()
        let epochs = try heldOut.optionalPositive(ResultsColumns.epochs, rows: rows.tableRows)
        self.rows = try rows.n.indices.map { i in
            let predicted = predictor.predictsAtNAndD
                ? try predictor.loss(n: rows.n[i], d: rows.d[i])
                : try predictor.computeOptimal(c: rows.c[i]).loss
            return HeldOutPrediction(runID: rows.runIDs[i], N: rows.n[i], D: rows.d[i], C: rows.c[i], observed: rows.loss[i],
                                     predicted: predicted, relativeError: predicted.estimate / rows.loss[i] - 1,
                                     covered: predicted.contains(rows.loss[i]), extrapolation: predictor.extrapolation(c: rows.c[i]),
                                     epochs: epochs?[i] ?? nil)
        }
        meanAbsRelativeError = self.rows.isEmpty ? .nan : self.rows.map { abs($0.relativeError) }.reduce(0, +) / Double(self.rows.count)
        coverage = self.rows.isEmpty ? .nan : Double(self.rows.filter(\.covered).count) / Double(self.rows.count)
    }

    /// The held-out table as printed and in report.md.
    public func textLines() -> [String] {
        var lines = ["held out (\(rule)): \(rows.count) row\(rows.count == 1 ? "" : "s"), predicted by \(basis); largest fitted C \(formatNumber(largestFittedC))"]
        let hasEpochs = rows.contains { $0.epochs != nil }
        let table = rows.map { r -> [String] in
            var cells = [r.runID, formatNumber(r.C), "\(formatNumber(r.extrapolation))×", formatNumber(r.observed),
                         formatNumber(r.predicted.estimate),
                         r.predicted.ci95.map { "[\(formatNumber($0[0])), \(formatNumber($0[1]))]" } ?? "—",
                         String(format: "%+.2f%%", 100 * r.relativeError), r.predicted.ci95 == nil ? "—" : (r.covered ? "yes" : "no")]
            if hasEpochs { cells.append(r.epochs.map(formatNumber) ?? "—") }
            return cells
        }
        var header = ["run", "C", "C/max fitted", "observed", "predicted", "95% interval", "rel. error", "covered"]
        if hasEpochs { header.append("epochs") }
        lines += formatColumns(header: header, rows: table)
        lines.append("mean |relative error| \(String(format: "%.2f%%", 100 * meanAbsRelativeError)); 95% intervals cover \(rows.filter(\.covered).count) of \(rows.count)")
        return lines
    }
}

extension FitRequest {
    /// How many rows (isoflop: budgets) the law needs, and whether the rows left to fit have them:
    /// an error naming the holdout when they do not (before anything is fitted).
    func checkRowsLeft(_ table: ResultsTable, rule: HoldoutRule) throws {
        let free: Int
        switch law {
        case .isoflop:
            let budgets = try IsoFLOPFit.budgets(from: table, tolerance: 0.01).budgets
            if budgets.count < 2 {
                throw FitReportError.invalid("\(rule.option) leaves \(budgets.count) FLOP budget\(budgets.count == 1 ? "" : "s") to fit; the isoflop frontier needs at least 2")
            }
            return
        case .chinchilla: free = (sharedExponent ? 4 : 5) - fixed.count
        case .farseer: free = 9 - fixed.count
        case .kaplan: free = 4
        case .envelope, .power, .schedule, .moe: return  // FittedReport refuses --holdout for these first
        }
        let left = table.rowCount
        if left <= free {
            throw FitReportError.invalid("\(rule.option) leaves \(left) row\(left == 1 ? "" : "s") to fit; the \(law.rawValue) law has \(free) \(fixed.isEmpty ? "" : "free ")parameters and needs at least \(free + 1)")
        }
    }
}
