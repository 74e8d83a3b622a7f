import Foundation
import RunSchema
import ScalingLaws

/// One line a fit report shows when a number it prints should not be trusted as it stands: a
/// parameter on its bound, an isoFLOP minimum at the edge of its sizes, a forecast far beyond
/// the fitted budgets, an allocation interval wider than a decade, runs past 4 epochs of data.
/// In the text report ("guardrail: …"), fit.json (`guardrails`), report.md, and `predict`.
public struct Guardrail: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case bound, edgeMinimum = "edge_minimum", extrapolation, wideInterval = "wide_interval", epochs
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

public enum Guardrails {
    /// A forecast further than this factor beyond the largest fitted budget is flagged.
    public static let extrapolationLimit = 10.0
    /// An N_opt or D_opt interval wider than this ratio (hi/lo) is flagged.
    public static let intervalLimit = 10.0
    /// Runs trained on more than this many epochs of their training split are flagged.
    public static let epochLimit = 4.0

    /// Every guardrail of a fit: its law's parameters and budgets, its forecasts (`budgets`), and
    /// the epochs of the rows it fitted and held out (`epochs`: run id → epochs).
    static func check(_ fitted: FittedLaw, predictor: LawPredictor?, budgets: [Double], epochs: [(String, Double)]) -> [Guardrail] {
        var out = bounds(fitted) + edgeMinima(fitted)
        if let largest = predictor?.largestFittedC {
            out += budgets.compactMap { forecast(c: $0, largestFittedC: largest) }
        }
        out += wideIntervals(computeOptimal(fitted))
        if let e = beyondEpochs(epochs) { out.append(e) }
        return out
    }

    /// A forecast at C more than 10× beyond the largest fitted C.
    public static func forecast(c: Double, largestFittedC: Double) -> Guardrail? {
        let factor = c / largestFittedC
        guard factor > extrapolationLimit else { return nil }
        return Guardrail(.extrapolation, "forecast at C = \(formatNumber(c)) is \(formatNumber(factor))× the largest fitted budget (\(formatNumber(largestFittedC))): beyond \(formatNumber(extrapolationLimit))×, validate with a held-out run (--holdout) before trusting it")
    }

    /// N_opt or D_opt intervals wider than a decade, one line per budget.
    public static func wideIntervals(_ estimates: [(C: Double, nOpt: ParameterEstimate, dOpt: ParameterEstimate)]) -> [Guardrail] {
        estimates.compactMap { e in
            let wide = [("N_opt", e.nOpt), ("D_opt", e.dOpt)].filter { _, v in
                guard let ci = v.ci95, ci[0] > 0 else { return v.ci95 != nil }
                return ci[1] / ci[0] > intervalLimit
            }
            guard !wide.isEmpty else { return nil }
            let text = wide.map { name, v in "\(name) [\(formatNumber(v.ci95![0])), \(formatNumber(v.ci95![1]))]" }.joined(separator: ", ")
            return Guardrail(.wideInterval, "at C = \(formatNumber(e.C)) the 95% interval of \(text) spans more than a decade: the allocation is not pinned down by these runs")
        }
    }

    static func computeOptimal(_ fitted: FittedLaw) -> [(C: Double, nOpt: ParameterEstimate, dOpt: ParameterEstimate)] {
        switch fitted {
        case .chinchilla(let r, _): return r.computeOptimal.map { ($0.C, $0.nOpt, $0.dOpt) }
        case .farseer(let r, _): return r.computeOptimal.map { ($0.C, $0.nOpt, $0.dOpt) }
        case .isoflop(let r): return r.computeOptimal.map { ($0.C, $0.nOpt, $0.dOpt) }
        default: return []
        }
    }

    /// Parameters at the edge of what the parametrisation allows: E (fitted as log E) run off to 0,
    /// an exponent at 0 (the term no longer changes), Farseer's data exponent at 0.
    static func bounds(_ fitted: FittedLaw) -> [Guardrail] {
        func exponentAtZero(_ name: String, _ value: ParameterEstimate?) -> Guardrail? {
            guard let value, !value.fixed, value.estimate < 0.01 else { return nil }
            return Guardrail(.bound, "\(name) = \(formatNumber(value.estimate)) is at its lower bound 0: its term no longer falls with scale, so the fit cannot tell how it extrapolates")
        }
        switch fitted {
        case .chinchilla(let r, let rows):
            var out: [Guardrail] = []
            if let e = r.parameters["E"], !e.fixed, e.estimate < 1e-3 * (rows.loss.min() ?? 1) {
                out.append(Guardrail(.bound, "E = \(formatNumber(e.estimate)) is at its lower bound 0 (fitted as log E, it ran off towards −∞): the law has no loss floor and its forecasts fall without limit; if you know the irreducible loss, fix it with --fix E=…"))
            }
            return out + [exponentAtZero("alpha", r.parameters["alpha"]), exponentAtZero("beta", r.parameters["beta"])].compactMap { $0 }
        case .kaplan(let r, _):
            return [exponentAtZero("alpha_N_joint", r.parameters["alpha_N_joint"]), exponentAtZero("alpha_D_joint", r.parameters["alpha_D_joint"])].compactMap { $0 }
        case .farseer(let r, let rows):
            let largest = rows.n.max() ?? 1
            let a = r.point.dataExponent(n: largest)
            guard a < 0.01 else { return [] }
            return [Guardrail(.bound, "the data exponent A(N) = exp(a1·n^α + b1) is \(formatNumber(a)) at the largest fitted N (\(formatNumber(largest))), at its lower bound 0: more data stops helping there, so forecasts at larger N are unreliable")]
        default:
            return []
        }
    }

    /// Budgets whose lowest loss is at their smallest or largest size: the minimum is not
    /// bracketed, so a parabola's vertex there (or the L(N, D) law's optimum) is an extrapolation.
    static func edgeMinima(_ fitted: FittedLaw) -> [Guardrail] {
        var groups: [(c: Double, n: [Double], loss: [Double])] = []
        switch fitted {
        case .isoflop(let r):
            groups = r.budgets.map { b in (b.C, b.points.map(\.N), b.points.map(\.loss)) }
        case .chinchilla(_, let rows), .farseer(_, let rows), .kaplan(_, let rows):
            groups = BudgetGroups(rows.c)?.budgets.map { b in (b.c, b.rows.map { rows.n[$0] }, b.rows.map { rows.loss[$0] }) } ?? []
        default:
            return []
        }
        return groups.compactMap { g in
            guard Set(g.n).count >= 3, let best = g.loss.indices.min(by: { g.loss[$0] < g.loss[$1] }) else { return nil }
            let n = g.n[best]
            guard n == g.n.min() || n == g.n.max() else { return nil }
            let side = n == g.n.min() ? "smallest" : "largest"
            return Guardrail(.edgeMinimum, "budget C = \(formatNumber(g.c)): the lowest loss is at its \(side) size (N = \(formatNumber(n))): the minimum is not bracketed; add sizes on that side")
        }
    }

    /// Runs trained beyond 4 epochs of their training split (one line for all of them).
    static func beyondEpochs(_ epochs: [(String, Double)]) -> Guardrail? {
        let over = epochs.filter { $0.1 > epochLimit }.sorted { $0.1 > $1.1 }
        guard !over.isEmpty else { return nil }
        let names = over.prefix(4).map { "\($0.0) (\(formatNumber($0.1)))" }.joined(separator: ", ") + (over.count > 4 ? ", …" : "")
        return Guardrail(.epochs, "\(over.count) run\(over.count == 1 ? "" : "s") trained beyond \(formatNumber(epochLimit)) epochs of the training split: \(names); repeated data gains less per token than the laws assume")
    }
}
