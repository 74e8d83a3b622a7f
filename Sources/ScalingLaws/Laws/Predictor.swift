import Foundation

/// What fit.json keeps so that `windtunnel predict` (and held-out validation) never refit: the
/// law, its point estimate and every bootstrap draw as plain parameter vectors, the loss column,
/// and the budgets and FLOP accounting the fit saw. A prediction's 95% interval is the 2.5–97.5%
/// percentile of the prediction over the draws (the point is the point estimate's prediction).
///
/// Parameter vectors (`parameterNames` says which):
/// - chinchilla: E, A, B, alpha, beta
/// - farseer: a1, b1, alpha, a2, b2, beta, a3, b3, gamma, N_ref, D_ref
/// - kaplan (the joint law): N_c, D_c, alpha_N, alpha_D
/// - isoflop (the frontiers): a, k (N* = k·C^a), b, k' (D* = k'·C^b), e, k_L (loss* = k_L·C^e)
public struct LawPredictor: Codable, Sendable, Equatable {
    /// Bumped when the layout changes; `predict` refuses other versions.
    public static let currentFormat = 1

    public enum Law: String, Codable, Sendable, CaseIterable {
        case chinchilla, farseer, kaplan, isoflop
    }

    public var format: Int
    public var law: Law
    public var lossColumn: String
    public var parameterNames: [String]
    public var point: [Double]
    public var samples: [[Double]]
    /// Parameters held fixed in the fit (`--fix`): the same value in the point and every draw.
    public var fixed: [ParameterFix]
    /// Rows (isoflop: runs) the law was fitted on, and the largest C among them (table units).
    public var rowsFitted: Int
    public var largestFittedC: Double
    /// The table's C over 6ND on the fitted rows (median): `--c` budgets are in the table's C
    /// units and the allocation is solved along 6ND = C / cPer6ND.
    public var cPer6ND: Double
    /// How the table counted C (its `flop_accounting` values, or "6ND" without a C column).
    public var accounting: String

    enum CodingKeys: String, CodingKey {
        case format, law, lossColumn = "loss_column", parameterNames = "parameter_names", point, samples, fixed
        case rowsFitted = "rows_fitted", largestFittedC = "largest_fitted_C", cPer6ND = "C_per_6ND", accounting
    }

    public init(law: Law, lossColumn: String, parameterNames: [String], point: [Double], samples: [[Double]],
                fixed: [ParameterFix] = [], rowsFitted: Int, largestFittedC: Double, cPer6ND: Double, accounting: String) {
        self.format = Self.currentFormat
        self.law = law
        self.lossColumn = lossColumn
        self.parameterNames = parameterNames
        self.point = point
        self.samples = samples
        self.fixed = fixed
        self.rowsFitted = rowsFitted
        self.largestFittedC = largestFittedC
        self.cPer6ND = cPer6ND
        self.accounting = accounting
    }

    /// Whether the law predicts the loss of a given (N, D) (isoflop only knows its frontier).
    public var predictsAtNAndD: Bool { law != .isoflop }

    // MARK: - Predictions

    /// The loss at (N, D) with its bootstrap interval.
    public func loss(n: Double, d: Double) throws -> ParameterEstimate {
        guard n > 0, d > 0, n.isFinite, d.isFinite else { throw FitError("N and D must be positive, got N = \(formatNumber(n)), D = \(formatNumber(d))") }
        guard predictsAtNAndD else {
            throw FitError("an isoflop fit predicts only the compute-optimal frontier (loss, N_opt, D_opt at a budget C), not the loss of a given (N, D): use --c, or a chinchilla or farseer fit")
        }
        return ParameterEstimate(Self.loss(law, point, n: n, d: d), samples: samples.map { Self.loss(law, $0, n: n, d: d) })
    }

    /// The compute-optimal allocation and loss at budget C (table units), with bootstrap intervals.
    public func computeOptimal(c: Double) throws -> ComputeOptimalEstimate {
        guard c > 0, c.isFinite else { throw FitError("C must be positive, got \(formatNumber(c))") }
        return ComputeOptimalEstimate(budget: c, point: allocation(point, c: c), samples: samples.map { allocation($0, c: c) })
    }

    /// The equivalent C (table units) of a run with N parameters and D tokens.
    public func compute(n: Double, d: Double) -> Double { 6 * n * d * cPer6ND }

    /// C over the largest fitted C.
    public func extrapolation(c: Double) -> Double { c / largestFittedC }

    static func loss(_ law: Law, _ p: [Double], n: Double, d: Double) -> Double {
        switch law {
        case .chinchilla: return ChinchillaParameters(vector: p).loss(n: n, d: d)
        case .farseer: return FarseerParameters(vector: p).loss(n: n, d: d)
        case .kaplan: return KaplanJointParameters(nC: p[0], dC: p[1], alphaN: p[2], alphaD: p[3]).loss(n: n, d: d)
        case .isoflop: return .nan
        }
    }

    func allocation(_ p: [Double], c: Double) -> ComputeOptimalPoint {
        let c6 = c / cPer6ND
        switch law {
        case .chinchilla: return ChinchillaParameters(vector: p).computeOptimal(budget: c6)
        case .farseer, .kaplan: return NumericAllocation.optimum(c6ND: c6) { Self.loss(law, p, n: $0, d: $1) }
        case .isoflop:
            // The frontiers are fitted in the table's C units: no conversion.
            let n = p[1] * pow(c, p[0]), d = p[3] * pow(c, p[2])
            return ComputeOptimalPoint(C: c, nOpt: n, dOpt: d, tokensPerParameter: d / n, loss: p[5] * pow(c, p[4]))
        }
    }
}

extension ChinchillaParameters {
    /// [E, A, B, alpha, beta], the predictor's layout.
    var vector: [Double] { [E, A, B, alpha, beta] }
    init(vector v: [Double]) { self.init(E: v[0], A: v[1], B: v[2], alpha: v[3], beta: v[4]) }
}

extension FarseerParameters {
    var vector: [Double] { theta + [nRef, dRef] }
    init(vector v: [Double]) { self.init(theta: Array(v[0..<9]), nRef: v[9], dRef: v[10]) }
}

extension ChinchillaResult {
    /// The predictor for fit.json; `accounting` names how the table counted C.
    public func predictor(rows: ScalingRows, accounting: String) -> LawPredictor {
        LawPredictor(law: .chinchilla, lossColumn: lossColumn, parameterNames: ["E", "A", "B", "alpha", "beta"],
                     point: point.vector, samples: bootstrapSamples.map(\.vector), fixed: fixed,
                     rowsFitted: rows.count, largestFittedC: rows.c.max() ?? .nan, cPer6ND: ComputeAccounting.ratio(rows),
                     accounting: accounting)
    }
}

extension FarseerResult {
    public func predictor(rows: ScalingRows, accounting: String) -> LawPredictor {
        LawPredictor(law: .farseer, lossColumn: lossColumn, parameterNames: FarseerFit.names + ["N_ref", "D_ref"],
                     point: point.vector, samples: bootstrapSamples.map(\.vector), fixed: fixed,
                     rowsFitted: rows.count, largestFittedC: rows.c.max() ?? .nan, cPer6ND: ComputeAccounting.ratio(rows),
                     accounting: accounting)
    }
}

extension KaplanResult {
    public func predictor(rows: ScalingRows, accounting: String) -> LawPredictor {
        let vector = { (j: KaplanJointParameters) in [j.nC, j.dC, j.alphaN, j.alphaD] }
        return LawPredictor(law: .kaplan, lossColumn: lossColumn, parameterNames: ["N_c", "D_c", "alpha_N", "alpha_D"],
                            point: vector(joint), samples: jointSamples.map(vector), rowsFitted: rows.count,
                            largestFittedC: rows.c.max() ?? .nan, cPer6ND: ComputeAccounting.ratio(rows), accounting: accounting)
    }
}

extension IsoFLOPResult {
    public func predictor(accounting: String) -> LawPredictor {
        let frontiers = [nFrontier, dFrontier, lossFrontier]
        let point = frontiers.flatMap { [$0.exponent.estimate, $0.coefficient.estimate] }
        // Replicates that fitted all three frontiers (they are dropped together).
        let count = frontiers.map(\.samples.count).min() ?? 0
        let samples = (0..<count).map { i in frontiers.flatMap { [$0.samples[i][0], Foundation.exp($0.samples[i][1])] } }
        let ratios = budgets.flatMap { b in b.points.map { b.C / (6 * $0.N * $0.D) } }
        return LawPredictor(law: .isoflop, lossColumn: lossColumn, parameterNames: ["a", "k", "b", "k'", "e", "k_L"],
                            point: point, samples: samples, rowsFitted: nRows,
                            largestFittedC: budgets.filter(\.used).map(\.C).max() ?? .nan,
                            cPer6ND: Stats.quantile(ratios, 0.5) ?? 1, accounting: accounting)
    }
}
