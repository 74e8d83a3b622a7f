import Foundation

/// Farseer's loss surface (Li et al. 2025, "Predictable Scale: Part II, Farseer: A Refined
/// Scaling Law in Large Language Models", arXiv 2506.10972):
///
///     L(N, D) = exp(a3·N^γ + b3) + exp(a2·N^β + b2) · D^(−exp(a1·N^α + b1))
///
/// Where the pieces come from: the paper writes L = E + U(N) + V(D) + H(N, D) and finds, from
/// finite differences in D at fixed N, that the data-dependent part V + H is a power law in D
/// whose coefficient and exponent both move with N: B(N)·D^(−A(N)). It models A(N) and B(N) as
/// exponentials of power laws in N (the first and second exp above) and E + U(N), the loss with
/// unlimited data, the same way (the third). Chinchilla is the special case of constant A and B.
///
/// One change of units: N and D enter as n = N/N_ref and d = D/D_ref (N_ref, D_ref = geometric
/// means of the fitted rows, stored with the parameters) so the nine coefficients are O(1) and
/// the optimiser sees a well-conditioned problem. a3, b3, γ, a1, b1, α map to the paper's by
/// a_k(paper) = a_k·N_ref^(−exponent_k); the data coefficient absorbs D_ref^A(N), which depends on
/// N, so a2, b2, β have no exact counterpart: compare fits with the paper's through `loss(n:d:)`.
public struct FarseerParameters: Codable, Sendable, Equatable {
    /// A(N) = exp(a1·n^α + b1), the data exponent.
    public var a1: Double, b1: Double, alpha: Double
    /// B(N) = exp(a2·n^β + b2), the data coefficient.
    public var a2: Double, b2: Double, beta: Double
    /// E + U(N) = exp(a3·n^γ + b3), the loss at unlimited data.
    public var a3: Double, b3: Double, gamma: Double
    /// n = N / nRef, d = D / dRef.
    public var nRef: Double, dRef: Double

    public init(a1: Double, b1: Double, alpha: Double, a2: Double, b2: Double, beta: Double,
                a3: Double, b3: Double, gamma: Double, nRef: Double, dRef: Double) {
        self.a1 = a1; self.b1 = b1; self.alpha = alpha
        self.a2 = a2; self.b2 = b2; self.beta = beta
        self.a3 = a3; self.b3 = b3; self.gamma = gamma
        self.nRef = nRef; self.dRef = dRef
    }

    /// The fitted coordinates, in `FarseerFit.names` order.
    public var theta: [Double] { [a1, b1, alpha, a2, b2, beta, a3, b3, gamma] }

    init(theta t: [Double], nRef: Double, dRef: Double) {
        self.init(a1: t[0], b1: t[1], alpha: t[2], a2: t[3], b2: t[4], beta: t[5], a3: t[6], b3: t[7], gamma: t[8],
                  nRef: nRef, dRef: dRef)
    }

    public func dataExponent(n: Double) -> Double { Foundation.exp(a1 * pow(n / nRef, alpha) + b1) }
    public func dataCoefficient(n: Double) -> Double { Foundation.exp(a2 * pow(n / nRef, beta) + b2) }
    /// exp(a3·n^γ + b3): the loss with unlimited data.
    public func lossAtInfiniteData(n: Double) -> Double { Foundation.exp(a3 * pow(n / nRef, gamma) + b3) }

    public func loss(n: Double, d: Double) -> Double {
        lossAtInfiniteData(n: n) + dataCoefficient(n: n) * pow(d / dRef, -dataExponent(n: n))
    }
}

public struct FarseerOptions: Sendable, Equatable {
    public var huberDelta = 1e-3
    public var bootstrap = BootstrapOptions(resamples: 0)
    public var bootstrapExtraMinima = 2
    public var bootstrapPerturbedStarts = 1
    /// Parameters held at given values (by name: a1, b1, alpha, a2, b2, beta, a3, b3, gamma).
    public var fixed: [ParameterFix] = []
    /// FLOP budgets (in the table's C units) at which to report the compute-optimal allocation.
    public var budgets: [Double] = []
    public var threads: Int?
    public var optimizer: LBFGSOptions = {
        var o = LBFGSOptions()
        o.maxIterations = 2000
        return o
    }()
    public var screeningIterations: Int? = 60
    public init() {}
}

public struct FarseerResult: FitReport {
    public let law = "farseer"
    public var parameters: ParameterTable
    public var point: FarseerParameters
    public var objective: Double
    public var nRows: Int
    public var lossColumn: String
    public var residuals: [Residual]
    /// Compute-optimal allocation at `options.budgets` (numerical: the law has no closed form).
    public var computeOptimal: [ComputeOptimalEstimate]
    public var bootstrapResamples: Int
    public var bootstrapSucceeded: Int
    public var optimizer: OptimizerSummary
    public var warnings: [String]
    /// Successful bootstrap refits in replicate order (not in JSON; fit.json's predictor keeps them).
    public var bootstrapSamples: [FarseerParameters]
    public var fixed: [ParameterFix] = []
    /// The fitted rows' C over 6ND: `computeOptimal` budgets are in the table's C units.
    public var cPer6ND: Double = 1

    public func detailLines() -> [String] {
        ["L(N, D) = exp(a3·n^γ + b3) + exp(a2·n^β + b2)·d^(−exp(a1·n^α + b1)), n = N/\(formatNumber(point.nRef)), d = D/\(formatNumber(point.dRef))",
         "objective (Σ Huber, δ=\(formatNumber(optimizer.huberDelta ?? 0))): \(formatNumber(objective)) on \(nRows) rows (\(lossColumn))"]
            + (computeOptimal.isEmpty || abs(cPer6ND - 1) <= 1e-3 ? [] : ["the table's C is \(formatNumber(cPer6ND))× 6ND (median of the fitted rows): budgets below are in its units, solved numerically along 6ND = C / \(formatNumber(cPer6ND))"])
            + ComputeOptimalEstimate.tableLines(computeOptimal)
    }

    enum CodingKeys: String, CodingKey {
        case law, parameters, point, objective, nRows = "n_rows", lossColumn = "loss_column", residuals
        case computeOptimal = "compute_optimal", optimizer, warnings, cPer6ND = "C_per_6ND"
        case bootstrapResamples = "bootstrap_resamples", bootstrapSucceeded = "bootstrap_succeeded"
    }
}

/// Σ wᵢ Huber_δ(log L̂ᵢ − log Lᵢ) / scale in θ = (a1, b1, α, a2, b2, β, a3, b3, γ), with x = log n,
/// y = log d per row; analytic gradient.
struct FarseerObjective: ResamplableObjective {
    let x: [Double], y: [Double], target: [Double], weights: [Double]
    let loss: RowLoss
    var dimension: Int { 9 }
    var rowCount: Int { target.count }
    var scale: Double {
        let total = max(weights.reduce(0, +), 1)
        if case .huber(let delta) = loss { return delta * total }
        return total
    }

    func reweighted(_ counts: [Double]) -> FarseerObjective {
        let keep = counts.indices.filter { counts[$0] > 0 }
        return FarseerObjective(x: keep.map { x[$0] }, y: keep.map { y[$0] }, target: keep.map { target[$0] },
                                weights: keep.map { counts[$0] * weights[$0] }, loss: loss)
    }

    func evaluate(_ t: [Double], gradient g: inout [Double]) -> Double {
        for j in 0..<9 { g[j] = 0 }
        var total = 0.0
        for i in target.indices {
            let nA = Foundation.exp(t[2] * x[i]), nB = Foundation.exp(t[5] * x[i]), nG = Foundation.exp(t[8] * x[i])
            let exponent = Foundation.exp(t[0] * nA + t[1])
            let uLog = t[6] * nG + t[7]
            let vLog = t[3] * nB + t[4] - exponent * y[i]
            let m = max(uLog, vLog)
            let eu = Foundation.exp(uLog - m), ev = Foundation.exp(vLog - m)
            let logS = m + Foundation.log(eu + ev)
            guard logS.isFinite else { return .infinity }
            let pu = eu / (eu + ev), pv = 1 - pu
            let r = logS - target[i]
            total += weights[i] * loss.value(r)
            let psi = weights[i] * loss.derivative(r)
            let u = psi * pu, v = psi * pv
            g[6] += u * nG; g[7] += u; g[8] += u * t[6] * nG * x[i]
            g[3] += v * nB; g[4] += v; g[5] += v * t[3] * nB * x[i]
            let dExponent = -v * y[i] * exponent
            g[0] += dExponent * nA; g[1] += dExponent; g[2] += dExponent * t[0] * nA * x[i]
        }
        let inverse = 1 / scale
        for j in 0..<9 { g[j] *= inverse }
        return total * inverse
    }
}

/// Fits Farseer's law. What the paper does and what this does:
/// - Form: as published (see `FarseerParameters`), with N and D rescaled by stored references.
/// - Fitting: the paper's "differential piecewise" procedure fits A_N, B_N per model size from
///   finite differences in D, then fits A(N), B(N) and the remainder in turn, over several
///   rounds. That needs many D per size, which a CPU sweep rarely has; here all nine parameters
///   are fitted jointly instead, minimising Σ Huber_δ(log residual) (δ = 1e-3, as Approach 3)
///   by L-BFGS from a grid of 128 starts placed from the data's loss range, and bootstrapped
///   over rows like Approach 3.
/// - Identifiability: with a few sizes the N-dependence of A(N), B(N) is weakly pinned (a1, α and
///   a2, β trade off); predictions inside and near the fitted range are well determined, the
///   coefficients are not — compare laws by their predictions and intervals.
public enum FarseerFit {
    public static let names = ["a1", "b1", "alpha", "a2", "b2", "beta", "a3", "b3", "gamma"]

    public static func fit(_ rows: ScalingRows, options: FarseerOptions = FarseerOptions()) throws -> FarseerResult {
        try rows.validate(law: "farseer")
        try ParameterFix.validate(options.fixed, names: names, law: "farseer")
        var fixed: [Int: Double] = [:]
        for fix in options.fixed { fixed[names.firstIndex(of: fix.name)!] = fix.value }
        let dimension = 9 - fixed.count
        guard rows.count > dimension else {
            throw FitError("farseer: \(rows.count) rows for \(dimension) \(fixed.isEmpty ? "" : "free ")parameters; need at least \(dimension + 1)")
        }
        guard Set(rows.n).count >= 3 else {
            throw FitError("farseer: \(Set(rows.n).count) distinct model size(s); the N-dependence of the data term needs at least 3")
        }
        let nRef = Foundation.exp(Stats.mean(rows.n.map { Foundation.log($0) }))
        let dRef = Foundation.exp(Stats.mean(rows.d.map { Foundation.log($0) }))
        let base = FarseerObjective(x: rows.n.map { Foundation.log($0 / nRef) }, y: rows.d.map { Foundation.log($0 / dRef) },
                                    target: rows.loss.map { Foundation.log($0) }, weights: Array(repeating: 1, count: rows.count),
                                    loss: .huber(delta: options.huberDelta))
        let objective = FixedCoordinates(base, fixed: fixed)
        let starts = objective.reducedStarts(Self.starts(rows.loss).map { start in
            var s = start
            for (k, v) in fixed { s[k] = v }
            return s
        })
        let engine = MultiStartBootstrap(
            starts: starts, screeningIterations: options.screeningIterations, bootstrap: options.bootstrap,
            extraMinima: options.bootstrapExtraMinima, perturbedStarts: options.bootstrapPerturbedStarts,
            jitter: objective.reduce([0.05, 0.1, 0.05, 0.05, 0.1, 0.05, 0.05, 0.05, 0.05]), optimizer: options.optimizer,
            refitOptimizer: nil, threads: FitThreads.resolve(options.threads))
        let outcome = engine.run(objective)
        guard outcome.search.best.value.isFinite else { throw FitError("farseer: no start reached a finite objective") }
        let point = FarseerParameters(theta: objective.expand(outcome.best), nRef: nRef, dRef: dRef)
        let samples = outcome.samples.map { FarseerParameters(theta: objective.expand($0), nRef: nRef, dRef: dRef) }
        var table = ParameterTable()
        for (k, name) in names.enumerated() {
            table.append(name, ParameterEstimate(point.theta[k], samples: samples.map { $0.theta[k] }))
        }
        table.markFixed(options.fixed)
        var warnings = rows.warnings
        if outcome.failedRefits > 0 {
            warnings.append("\(outcome.failedRefits) of \(options.bootstrap.resamples) bootstrap refits failed and were dropped")
        }
        let ratio = ComputeAccounting.ratio(rows)
        let computeOptimal = options.budgets.map { c -> ComputeOptimalEstimate in
            ComputeOptimalEstimate(budget: c, point: NumericAllocation.optimum(c6ND: c / ratio, point.loss),
                                   samples: samples.map { NumericAllocation.optimum(c6ND: c / ratio, $0.loss) })
        }
        let best = outcome.search.best
        return FarseerResult(
            parameters: table, point: point, objective: base.rawValue(point.theta), nRows: rows.count,
            lossColumn: rows.lossColumn,
            residuals: rows.n.indices.map { Residual(runID: rows.runIDs[$0], observed: rows.loss[$0], predicted: point.loss(n: rows.n[$0], d: rows.d[$0])) },
            computeOptimal: computeOptimal, bootstrapResamples: options.bootstrap.resamples, bootstrapSucceeded: samples.count,
            optimizer: OptimizerSummary(starts: starts.count, bestStart: objective.expand(starts[outcome.search.bestStartIndex]),
                                        iterations: best.iterations, termination: best.termination,
                                        gradientNorm: best.gradientNorm, huberDelta: options.huberDelta),
            warnings: warnings, bootstrapSamples: samples, fixed: options.fixed, cPer6ND: ratio)
    }

    /// The objective (Σ Huber / (δ·rows)) and its analytic gradient in θ = (a1, b1, α, a2, b2, β,
    /// a3, b3, γ) with the given references; exposed for gradient checks.
    public static func objectiveAndGradient(_ rows: ScalingRows, theta: [Double], nRef: Double, dRef: Double,
                                            delta: Double = 1e-3) -> (value: Double, gradient: [Double]) {
        let o = FarseerObjective(x: rows.n.map { Foundation.log($0 / nRef) }, y: rows.d.map { Foundation.log($0 / dRef) },
                                 target: rows.loss.map { Foundation.log($0) }, weights: Array(repeating: 1, count: rows.count),
                                 loss: .huber(delta: delta))
        var g = Array(repeating: 0.0, count: 9)
        let v = o.evaluate(theta, gradient: &g)
        return (v, g)
    }

    /// Starts from the loss range: the unlimited-data term begins at 50% or 90% of the lowest
    /// loss and falls with N either way round (a3 > 0, γ < 0 or the reverse); the data term
    /// begins at 30% or 100% of the mean loss with exponent 0.2 or 0.5, its N-dependence
    /// small and of either sign.
    static func starts(_ loss: [Double]) -> [[Double]] {
        let lowest = loss.min()!, mean = Stats.mean(loss)
        var starts: [[Double]] = []
        for b3 in [0.5, 0.9].map({ Foundation.log($0 * lowest) }) {
            for (a3, gamma) in [(0.1, -0.3), (-0.1, 0.3)] {
                for b2 in [0.3, 1.0].map({ Foundation.log($0 * mean) }) {
                    for b1 in [0.2, 0.5].map({ Foundation.log($0) }) {
                        for alpha in [-0.3, 0.3] {
                            for beta in [-0.3, 0.3] {
                                starts.append([0.05, b1, alpha, 0.05, b2, beta, a3, b3, gamma])
                            }
                        }
                    }
                }
            }
        }
        return starts
    }
}

extension FarseerObjective {
    func rawValue(_ theta: [Double]) -> Double {
        var g = Array(repeating: 0.0, count: 9)
        return evaluate(theta, gradient: &g) * scale
    }
}

/// The table's FLOP accounting relative to 6ND: C/(6ND) of the fitted rows (their median; 1 when
/// the table has no C column and C was taken as 6ND). A budget in the table's C units is
/// C / ratio in 6ND units, the units the allocation N·D = C/6 is solved in.
public enum ComputeAccounting {
    public static func ratio(_ rows: ScalingRows) -> Double {
        let ratios = rows.n.indices.map { rows.c[$0] / (6 * rows.n[$0] * rows.d[$0]) }.filter { $0.isFinite && $0 > 0 }
        return Stats.quantile(ratios, 0.5) ?? 1
    }
}

/// The loss-minimising N for a law L(N, D) along 6ND = C, found numerically (laws without a closed
/// form: Farseer, Kaplan's joint law): a scan of log N in steps of 0.05 over N ∈ [√(C/6)·e^−20,
/// √(C/6)·e^20], then golden-section refinement around the best scan point.
public enum NumericAllocation {
    public static func optimum(c6ND c: Double, _ loss: (Double, Double) -> Double) -> ComputeOptimalPoint {
        let half = Foundation.log(c / 6) / 2
        func f(_ x: Double) -> Double {
            let n = Foundation.exp(x)
            let value = loss(n, c / (6 * n))
            return value.isFinite ? value : .infinity
        }
        let step = 0.05
        var bestX = half - 20, bestF = f(bestX)
        var x = bestX + step
        while x <= half + 20 {
            let v = f(x)
            if v < bestF { bestF = v; bestX = x }
            x += step
        }
        var lo = bestX - step, hi = bestX + step
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<60 {
            let m1 = hi - ratio * (hi - lo), m2 = lo + ratio * (hi - lo)
            if f(m1) <= f(m2) { hi = m2 } else { lo = m1 }
        }
        let n = Foundation.exp((lo + hi) / 2), d = c / (6 * n)
        return ComputeOptimalPoint(C: c, nOpt: n, dOpt: d, tokensPerParameter: d / n, loss: loss(n, d))
    }
}
