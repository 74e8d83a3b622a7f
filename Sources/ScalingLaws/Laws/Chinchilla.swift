import Foundation

/// L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, Approach 3).
public struct ChinchillaParameters: Codable, Sendable, Equatable {
    public var E: Double
    public var A: Double
    public var B: Double
    public var alpha: Double
    public var beta: Double

    public init(E: Double, A: Double, B: Double, alpha: Double, beta: Double) {
        self.E = E; self.A = A; self.B = B; self.alpha = alpha; self.beta = beta
    }

    /// Hoffmann et al.'s published values (the ones the replication could not reproduce).
    public static let hoffmann = ChinchillaParameters(E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28)

    public func loss(n: Double, d: Double) -> Double { E + A * pow(n, -alpha) + B * pow(d, -beta) }

    /// N_opt ∝ (C/6)^a, D_opt ∝ (C/6)^b under C = 6ND: a = β/(α+β), b = α/(α+β).
    public var allocationExponentN: Double { beta / (alpha + beta) }
    public var allocationExponentD: Double { alpha / (alpha + beta) }
    /// G = (αA / (βB))^(1/(α+β)).
    public var allocationScale: Double { pow(alpha * A / (beta * B), 1 / (alpha + beta)) }

    /// The loss-minimising (N, D) with 6ND = C.
    public func computeOptimal(budget c: Double) -> ComputeOptimalPoint {
        let g = allocationScale
        let n = g * pow(c / 6, allocationExponentN)
        let d = pow(c / 6, allocationExponentD) / g
        return ComputeOptimalPoint(C: c, nOpt: n, dOpt: d, tokensPerParameter: d / n, loss: loss(n: n, d: d))
    }

    /// The fitting coordinates (a, b, e, α, β) with A = eᵃ, B = eᵇ, E = eᵉ.
    var theta: [Double] { [Foundation.log(A), Foundation.log(B), Foundation.log(E), alpha, beta] }

    init(theta t: [Double], shared: Bool) {
        self.init(E: Foundation.exp(t[2]), A: Foundation.exp(t[0]), B: Foundation.exp(t[1]),
                  alpha: t[3], beta: shared ? t[3] : t[4])
    }
}

/// The compute-optimal allocation at one budget.
public struct ComputeOptimalPoint: Codable, Sendable, Equatable {
    public var C: Double
    public var nOpt: Double
    public var dOpt: Double
    public var tokensPerParameter: Double
    public var loss: Double

    enum CodingKeys: String, CodingKey {
        case C, nOpt = "N_opt", dOpt = "D_opt", tokensPerParameter = "tokens_per_param", loss
    }
}

/// The compute-optimal allocation at one budget with bootstrap intervals.
public struct ComputeOptimalEstimate: Codable, Sendable, Equatable {
    public var C: Double
    public var nOpt: ParameterEstimate
    public var dOpt: ParameterEstimate
    public var tokensPerParameter: ParameterEstimate
    public var loss: ParameterEstimate

    enum CodingKeys: String, CodingKey {
        case C, nOpt = "N_opt", dOpt = "D_opt", tokensPerParameter = "tokens_per_param", loss
    }

    init(budget: Double, point: ChinchillaParameters, samples: [ChinchillaParameters]) {
        self.init(budget: budget, point: point.computeOptimal(budget: budget), samples: samples.map { $0.computeOptimal(budget: budget) })
    }

    /// From the allocation at the point estimate and at each bootstrap draw; `budget` is what the
    /// row shows as C (in the table's units when the allocation was solved in 6ND units).
    init(budget: Double, point p: ComputeOptimalPoint, samples s: [ComputeOptimalPoint]) {
        C = budget
        nOpt = ParameterEstimate(p.nOpt, samples: s.map(\.nOpt))
        dOpt = ParameterEstimate(p.dOpt, samples: s.map(\.dOpt))
        tokensPerParameter = ParameterEstimate(p.tokensPerParameter, samples: s.map(\.tokensPerParameter))
        loss = ParameterEstimate(p.loss, samples: s.map(\.loss))
    }
}

extension ComputeOptimalEstimate {
    /// The "compute-optimal allocation" table of the human-readable report (nothing when empty).
    static func tableLines(_ estimates: [ComputeOptimalEstimate]) -> [String] {
        guard !estimates.isEmpty else { return [] }
        let rows = estimates.map { p in
            [formatNumber(p.C), formatEstimate(p.nOpt), formatEstimate(p.dOpt),
             formatEstimate(p.tokensPerParameter), formatEstimate(p.loss)]
        }
        return ["compute-optimal allocation:"] + formatColumns(header: ["C", "N_opt", "D_opt", "tokens/param", "loss"], rows: rows)
    }
}

/// Starting points for the multi-start fit, per coordinate.
public struct ChinchillaGrid: Sendable, Equatable {
    public var a: [Double], b: [Double], e: [Double], alpha: [Double], beta: [Double]

    /// Start values per coordinate: a = log A, b = log B, e = log E, α, β (β ignored with a
    /// shared exponent).
    public init(a: [Double], b: [Double], e: [Double], alpha: [Double], beta: [Double]) {
        self.a = a; self.b = b; self.e = e; self.alpha = alpha; self.beta = beta
    }

    /// Besiroglu et al.'s grid: α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25}
    /// (4,500 starts; 900 with a shared exponent).
    public static let epoch = ChinchillaGrid(
        a: [0, 5, 10, 15, 20, 25], b: [0, 5, 10, 15, 20, 25], e: [-1, -0.5, 0, 0.5, 1],
        alpha: [0, 0.5, 1, 1.5, 2], beta: [0, 0.5, 1, 1.5, 2])

    func starts(shared: Bool) -> [[Double]] {
        shared ? gridProduct([a, b, e, alpha]) : gridProduct([a, b, e, alpha, beta])
    }
}

/// How the Chinchilla law is fitted.
public struct ChinchillaOptions: Sendable, Equatable {
    /// Fit α = β (one shared exponent; Gadre et al. 2024 use this form).
    public var sharedExponent = false
    public var huberDelta = 1e-3
    public var grid = ChinchillaGrid.epoch
    /// 0 = no intervals.
    public var bootstrap = BootstrapOptions(resamples: 0)
    /// Each bootstrap refit starts from the best full-data solution, the next
    /// `bootstrapExtraMinima` distinct local minima the grid found, and `bootstrapPerturbedStarts`
    /// random perturbations of the best; it keeps the lowest objective.
    public var bootstrapExtraMinima = 2
    public var bootstrapPerturbedStarts = 1
    /// Budgets (FLOPs) at which to report the compute-optimal allocation.
    public var budgets: [Double] = []
    public var threads: Int?
    public var optimizer = LBFGSOptions()
    /// Stopping rules for bootstrap refits: still relative to f (never the max(|f|, 1) rule),
    /// but looser than the point estimate's, since the spread between resamples dwarfs
    /// the optimiser's last digits.
    public var refitOptimizer: LBFGSOptions = {
        var o = LBFGSOptions()
        o.gradientTolerance = 1e-6
        o.relativeFunctionTolerance = 1e-8
        return o
    }()
    /// Grid starts first run this many iterations; the 20 best then run to convergence
    /// (`minimizeFromStarts(_:starts:screeningIterations:…)`). nil: every start to convergence.
    public var screeningIterations: Int? = 30
    /// Parameters held at given values (E, A, B, alpha, beta; with a shared exponent alpha only):
    /// removed from the optimiser's coordinates, so they are neither fitted nor bootstrapped.
    public var fixed: [ParameterFix] = []

    public init() {}
}

/// A fitted Chinchilla law: estimates, intervals, allocation, residuals.
public struct ChinchillaResult: FitReport {
    public var law: String
    public var parameters: ParameterTable
    /// a = β/(α+β), b = α/(α+β), G (N_opt = G·(C/6)^a).
    public var allocation: ParameterTable
    public var computeOptimal: [ComputeOptimalEstimate]
    public var point: ChinchillaParameters
    /// Σ Huber_δ(log residual) at the estimate (the replication's objective, unscaled).
    public var objective: Double
    public var nRows: Int
    public var lossColumn: String
    public var residuals: [Residual]
    public var bootstrapResamples: Int
    public var bootstrapSucceeded: Int
    public var optimizer: OptimizerSummary
    public var warnings: [String]
    /// Every successful bootstrap refit, in replicate order (for bands in plots; not in JSON).
    public var bootstrapSamples: [ChinchillaParameters]
    /// Parameters held fixed (`ChinchillaOptions.fixed`); the parameter table marks them.
    public var fixed: [ParameterFix] = []
    /// The fitted rows' C over 6ND (median; 1 when C is 6ND): budgets are in the table's C units
    /// and the allocation is solved along 6ND = C / cPer6ND, so `--budgets`, `predict --c` and
    /// the held-out extrapolation factors all read C the same way.
    public var cPer6ND: Double = 1

    public func predictLoss(n: Double, d: Double) -> Double { point.loss(n: n, d: d) }

    /// The compute-optimal allocation at any budget, with 95% intervals over the bootstrap refits
    /// (none without bootstrap): what `computeOptimal` holds for `options.budgets`, for plots.
    public func computeOptimal(at budget: Double) -> ComputeOptimalEstimate {
        ComputeOptimalEstimate(budget: budget, point: point.computeOptimal(budget: budget / cPer6ND),
                               samples: bootstrapSamples.map { $0.computeOptimal(budget: budget / cPer6ND) })
    }

    public func detailLines() -> [String] {
        var lines = ["objective (Σ Huber, δ=\(formatNumber(optimizerDelta))): \(formatNumber(objective)) on \(nRows) rows (\(lossColumn))"]
        lines.append("allocation under C = 6ND: N_opt = G·(C/6)^a, D_opt = (C/6)^b / G")
        if abs(cPer6ND - 1) > 1e-3 {
            lines.append("the table's C is \(formatNumber(cPer6ND))× 6ND (median of the fitted rows): budgets below are in its units, solved along 6ND = C / \(formatNumber(cPer6ND))")
        }
        lines += formatParameterTable(allocation)
        return lines + ComputeOptimalEstimate.tableLines(computeOptimal)
    }

    var optimizerDelta: Double { optimizer.huberDelta ?? 0 }

    enum CodingKeys: String, CodingKey {
        case law, parameters, allocation, objective, lossColumn = "loss_column", nRows = "n_rows"
        case computeOptimal = "compute_optimal", residuals, optimizer, warnings, cPer6ND = "C_per_6ND"
        case bootstrapResamples = "bootstrap_resamples", bootstrapSucceeded = "bootstrap_succeeded"
    }
}

/// How the optimiser ran (for the JSON record and for diagnosing a bad fit).
public struct OptimizerSummary: Codable, Sendable, Equatable {
    public var starts: Int
    public var bestStart: [Double]
    public var iterations: Int
    public var termination: LBFGSTermination
    public var gradientNorm: Double
    public var huberDelta: Double?

    enum CodingKeys: String, CodingKey {
        case starts, bestStart = "best_start", iterations, termination
        case gradientNorm = "gradient_norm", huberDelta = "huber_delta"
    }
}

/// "1.82 [1.57, 2.07]".
func formatEstimate(_ e: ParameterEstimate) -> String {
    let ci = e.ci95.map { " [\(formatNumber($0[0])), \(formatNumber($0[1]))]" } ?? ""
    return formatNumber(e.estimate) + ci
}

/// Approach 3 exactly as Besiroglu et al. (2024) redo Hoffmann et al.: minimise
/// Σ Huber_δ(LSE(a − α log N, b − β log D, e) − log L), δ = 1e-3, by L-BFGS from a grid of
/// starts, keep the best; bootstrap over rows for intervals.
public enum ChinchillaFit {
    static let names = ["E", "A", "B", "alpha", "beta"]

    static func objective(_ rows: ScalingRows, shared: Bool, delta: Double) -> LogSumExpObjective {
        let logN = rows.n.map { Foundation.log($0) }
        let logD = rows.d.map { Foundation.log($0) }
        let terms = [
            LogSumExpTerm(coefficient: 0, exponent: 3, feature: logN),
            LogSumExpTerm(coefficient: 1, exponent: shared ? 3 : 4, feature: logD),
            LogSumExpTerm(coefficient: 2, exponent: nil, feature: []),
        ]
        return LogSumExpObjective(dimension: shared ? 4 : 5, terms: terms,
                                  target: rows.loss.map { Foundation.log($0) }, loss: .huber(delta: delta))
    }

    public static func fit(_ rows: ScalingRows, options: ChinchillaOptions = ChinchillaOptions()) throws -> ChinchillaResult {
        let shared = options.sharedExponent
        let law = shared ? "chinchilla (shared exponent α = β)" : "chinchilla"
        try rows.validate(law: law)
        let fixed = try fixedCoordinates(options.fixed, shared: shared)
        let dimension = (shared ? 4 : 5) - fixed.count
        guard rows.count > dimension else {
            throw FitError("\(law): \(rows.count) rows for \(dimension) \(fixed.isEmpty ? "" : "free ")parameters; need at least \(dimension + 1)")
        }
        let objective = FixedCoordinates(Self.objective(rows, shared: shared, delta: options.huberDelta), fixed: fixed)
        let starts = objective.reducedStarts(options.grid.starts(shared: shared))
        let engine = MultiStartBootstrap(
            starts: starts, screeningIterations: options.screeningIterations, bootstrap: options.bootstrap,
            extraMinima: options.bootstrapExtraMinima, perturbedStarts: options.bootstrapPerturbedStarts,
            jitter: objective.reduce(shared ? [1, 1, 0.2, 0.05] : [1, 1, 0.2, 0.05, 0.05]), optimizer: options.optimizer,
            refitOptimizer: options.refitOptimizer, threads: FitThreads.resolve(options.threads))
        let outcome = engine.run(objective)
        guard outcome.search.best.value.isFinite else { throw FitError("\(law): no start reached a finite objective") }
        var result = makeResult(law: law, rows: rows, objective: objective.base, theta: objective.expand(outcome.best), shared: shared,
                                search: outcome.search, bestStart: objective.expand(starts[outcome.search.bestStartIndex]),
                                startCount: starts.count, samples: outcome.samples.map(objective.expand), options: options)
        result.parameters.markFixed(options.fixed)
        result.fixed = options.fixed
        return result
    }

    /// The fitting coordinates of `--fix` values: E, A, B by their logs, the exponents as they are.
    static func fixedCoordinates(_ fixes: [ParameterFix], shared: Bool) throws -> [Int: Double] {
        let law = shared ? "chinchilla (shared exponent)" : "chinchilla"
        try ParameterFix.validate(fixes, names: shared ? ["E", "A", "B", "alpha"] : names, law: law)
        var fixed: [Int: Double] = [:]
        for fix in fixes {
            switch fix.name {
            case "E", "A", "B":
                guard fix.value > 0 else { throw FitError("--fix \(fix.name)=\(formatNumber(fix.value)): must be positive") }
                fixed[["A": 0, "B": 1, "E": 2][fix.name]!] = Foundation.log(fix.value)
            case "alpha": fixed[3] = fix.value
            default: fixed[4] = fix.value
            }
        }
        return fixed
    }

    /// Runs the optimiser from one start only (no grid, no bootstrap): used to check that a
    /// start at published values is actually improved on.
    public static func refine(_ rows: ScalingRows, from start: ChinchillaParameters,
                              options: ChinchillaOptions = ChinchillaOptions()) throws -> (ChinchillaParameters, objective: Double, LBFGSResult) {
        try rows.validate(law: "chinchilla")
        let objective = Self.objective(rows, shared: options.sharedExponent, delta: options.huberDelta)
        var theta = start.theta
        if options.sharedExponent { theta.removeLast() }
        let result = minimizeLBFGS(objective, from: theta, options: options.optimizer)
        return (ChinchillaParameters(theta: result.x, shared: options.sharedExponent), objective.rawValue(result.x), result)
    }

    /// Σ Huber_δ(log residual) of given parameters on given rows (unscaled).
    public static func objectiveValue(_ rows: ScalingRows, _ p: ChinchillaParameters, delta: Double = 1e-3) -> Double {
        objective(rows, shared: false, delta: delta).rawValue(p.theta)
    }

    /// The objective and its analytic gradient in fitting coordinates (a, b, e, α[, β]); exposed
    /// for gradient checks.
    public static func objectiveAndGradient(_ rows: ScalingRows, theta: [Double], shared: Bool = false,
                                            delta: Double = 1e-3) -> (value: Double, gradient: [Double]) {
        let o = objective(rows, shared: shared, delta: delta)
        var g = Array(repeating: 0.0, count: o.dimension)
        let v = o.evaluate(theta, gradient: &g)
        return (v, g)
    }

    static func makeResult(law: String, rows: ScalingRows, objective: LogSumExpObjective, theta: [Double],
                           shared: Bool, search: MultiStartResult, bestStart: [Double], startCount: Int, samples: [[Double]],
                           options: ChinchillaOptions) -> ChinchillaResult {
        let point = ChinchillaParameters(theta: theta, shared: shared)
        let sampled = samples.map { ChinchillaParameters(theta: $0, shared: shared) }
        var parameters = ParameterTable()
        parameters.append("E", ParameterEstimate(point.E, samples: sampled.map(\.E)))
        parameters.append("A", ParameterEstimate(point.A, samples: sampled.map(\.A)))
        parameters.append("B", ParameterEstimate(point.B, samples: sampled.map(\.B)))
        parameters.append("alpha", ParameterEstimate(point.alpha, samples: sampled.map(\.alpha)))
        parameters.append("beta", ParameterEstimate(point.beta, samples: sampled.map(\.beta)))
        var allocation = ParameterTable()
        allocation.append("a", ParameterEstimate(point.allocationExponentN, samples: sampled.map(\.allocationExponentN)))
        allocation.append("b", ParameterEstimate(point.allocationExponentD, samples: sampled.map(\.allocationExponentD)))
        allocation.append("G", ParameterEstimate(point.allocationScale, samples: sampled.map(\.allocationScale)))
        let residuals = rows.n.indices.map { i in
            Residual(runID: rows.runIDs[i], observed: rows.loss[i], predicted: point.loss(n: rows.n[i], d: rows.d[i]))
        }
        var warnings = rows.warnings
        let ratio = ComputeAccounting.ratio(rows)
        let failed = options.bootstrap.resamples - samples.count
        if failed > 0 { warnings.append("\(failed) of \(options.bootstrap.resamples) bootstrap refits failed and were dropped") }
        return ChinchillaResult(
            law: law, parameters: parameters, allocation: allocation,
            computeOptimal: options.budgets.map { c in
                ComputeOptimalEstimate(budget: c, point: point.computeOptimal(budget: c / ratio), samples: sampled.map { $0.computeOptimal(budget: c / ratio) })
            },
            point: point, objective: objective.rawValue(theta), nRows: rows.count, lossColumn: rows.lossColumn,
            residuals: residuals, bootstrapResamples: options.bootstrap.resamples, bootstrapSucceeded: samples.count,
            optimizer: OptimizerSummary(starts: startCount, bestStart: bestStart,
                                        iterations: search.best.iterations, termination: search.best.termination,
                                        gradientNorm: search.best.gradientNorm, huberDelta: options.huberDelta),
            warnings: warnings, bootstrapSamples: sampled, cPer6ND: ratio)
    }
}
