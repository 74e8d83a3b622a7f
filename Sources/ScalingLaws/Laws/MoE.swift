import Foundation

/// How Clark et al.'s law sees the expert count E.
public enum ExpertTransform: Sendable, Equatable, Codable {
    /// Ê = E (documented simplification; right when E stays well inside the saturation range).
    case plain
    /// Clark et al.'s saturating transform with fixed constants:
    /// 1/Ê = 1/(E − 1 + (1/E_start − 1/E_max)⁻¹) + 1/E_max, so Ê(1) = E_start and Ê → E_max.
    case saturating(start: Double, max: Double)
    /// The saturating transform with E_start and E_max fitted too.
    case fittedSaturating

    static func transformed(_ e: Double, start s: Double, max m: Double) -> Double {
        let q = s * m / (m - s)
        return 1 / (1 / (e - 1 + q) + 1 / m)
    }
}

/// Clark et al. (2022): log L = a·log N + b·log Ê + c·log N·log Ê + d (natural logs; N the
/// active/dense parameter count).
public struct ClarkParameters: Codable, Sendable, Equatable {
    public var a: Double, b: Double, c: Double, d: Double
    /// nil for Ê = E.
    public var expertStart: Double?
    public var expertMax: Double?

    public init(a: Double, b: Double, c: Double, d: Double, expertStart: Double? = nil, expertMax: Double? = nil) {
        self.a = a; self.b = b; self.c = c; self.d = d; self.expertStart = expertStart; self.expertMax = expertMax
    }

    public func effectiveExperts(_ e: Double) -> Double {
        guard let s = expertStart, let m = expertMax else { return e }
        return ExpertTransform.transformed(e, start: s, max: m)
    }

    public func loss(nActive: Double, experts: Double) -> Double {
        let ln = Foundation.log(nActive), le = Foundation.log(effectiveExperts(experts))
        return Foundation.exp(a * ln + b * le + c * ln * le + d)
    }

    enum CodingKeys: String, CodingKey { case a, b, c, d, expertStart = "E_start", expertMax = "E_max" }
}

/// The Chinchilla form with active parameters and a sparsity term:
/// L = E + A/N_active^α + B/D^β + F·(N_active/N_total)^γ.
public struct ChinchillaMoEParameters: Codable, Sendable, Equatable {
    public var E: Double, A: Double, B: Double, alpha: Double, beta: Double, F: Double, gamma: Double

    public init(E: Double, A: Double, B: Double, alpha: Double, beta: Double, F: Double, gamma: Double) {
        self.E = E; self.A = A; self.B = B; self.alpha = alpha; self.beta = beta; self.F = F; self.gamma = gamma
    }

    public func loss(nActive: Double, nTotal: Double, d: Double) -> Double {
        E + A * pow(nActive, -alpha) + B * pow(d, -beta) + F * pow(nActive / nTotal, gamma)
    }
}

/// The rows an MoE fit reads.
public struct MoERows: Sendable {
    public var runIDs: [String]
    public var nTotal: [Double]
    public var nActive: [Double]
    public var d: [Double]
    public var experts: [Double]
    public var loss: [Double]
    public var lossColumn: String
    public var warnings: [String]

    public init(runIDs: [String]? = nil, nTotal: [Double], nActive: [Double], d: [Double], experts: [Double],
                loss: [Double], lossColumn: String = "loss") {
        self.runIDs = runIDs ?? nTotal.indices.map { "row\($0 + 1)" }
        self.nTotal = nTotal; self.nActive = nActive; self.d = d; self.experts = experts; self.loss = loss
        self.lossColumn = lossColumn
        self.warnings = []
    }

    /// From a results table: N total (`N`), N_active (empty: = N), D, experts (empty: 1, dense).
    public init(table: ResultsTable) throws {
        let base = try table.parametersTokensLoss()
        let active = try table.optionalPositive(table.columns.nActive, rows: base.tableRows)
        let experts = try table.optionalPositive(table.columns.experts, rows: base.tableRows)
        runIDs = base.runIDs
        nTotal = base.n
        nActive = base.n.indices.map { active?[$0] ?? base.n[$0] }
        d = base.d
        self.experts = base.n.indices.map { experts?[$0] ?? 1 }
        loss = base.loss
        lossColumn = base.lossColumn
        warnings = base.warnings
        for i in nTotal.indices where nActive[i] > nTotal[i] * (1 + 1e-9) {
            throw FitError("\(table.csv.source) \(table.rowName(base.tableRows[i])): \(table.columns.nActive) = \(formatNumber(nActive[i])) exceeds \(table.columns.n) = \(formatNumber(nTotal[i]))")
        }
        for i in nTotal.indices where self.experts[i] < 1 {
            throw FitError("\(table.csv.source) \(table.rowName(base.tableRows[i])): \(table.columns.experts) = \(self.experts[i]) is below 1")
        }
    }
}

public struct MoEOptions: Sendable, Equatable {
    public var expertTransform = ExpertTransform.plain
    public var huberDelta = 1e-3
    public var bootstrap = BootstrapOptions(resamples: 0)
    public var threads: Int?
    public var optimizer = LBFGSOptions()
    public init() {}
}

/// How well a law fits the rows, comparable across laws.
public struct FitQuality: Codable, Sendable, Equatable {
    /// Root mean square of log(predicted) − log(observed).
    public var rmsLogResidual: Double
    /// Mean |predicted − observed| / observed.
    public var meanRelativeError: Double
    public var parameterCount: Int

    init(_ residuals: [Residual], parameterCount: Int) {
        let n = Double(max(residuals.count, 1))
        rmsLogResidual = (residuals.reduce(0) { $0 + $1.logResidual * $1.logResidual } / n).squareRoot()
        meanRelativeError = residuals.reduce(0) { $0 + abs($1.predicted - $1.observed) / $1.observed } / n
        self.parameterCount = parameterCount
    }

    enum CodingKeys: String, CodingKey {
        case rmsLogResidual = "rms_log_residual", meanRelativeError = "mean_relative_error", parameterCount = "n_parameters"
    }
}

public struct MoEResult: FitReport {
    public let law = "moe"
    /// `clark.*` then `chinchilla_moe.*`.
    public var parameters: ParameterTable
    public var clark: ClarkParameters
    public var chinchillaMoE: ChinchillaMoEParameters
    public var clarkQuality: FitQuality
    public var chinchillaMoEQuality: FitQuality
    public var clarkResiduals: [Residual]
    public var chinchillaMoEResiduals: [Residual]
    public var nRows: Int
    public var lossColumn: String
    public var bootstrapResamples: Int
    public var warnings: [String]

    public func detailLines() -> [String] {
        ["clark: log L = a·log N_active + b·log Ê + c·log N_active·log Ê + d" + (clark.expertStart == nil ? " (Ê = E)" : ""),
         "chinchilla_moe: L = E + A/N_active^alpha + B/D^beta + F·(N_active/N)^gamma",
         "on \(nRows) rows (\(lossColumn)):"] + formatColumns(
            header: ["law", "parameters", "rms log residual", "mean relative error"],
            rows: [["clark", "\(clarkQuality.parameterCount)", formatNumber(clarkQuality.rmsLogResidual), formatNumber(clarkQuality.meanRelativeError)],
                   ["chinchilla_moe", "\(chinchillaMoEQuality.parameterCount)", formatNumber(chinchillaMoEQuality.rmsLogResidual),
                    formatNumber(chinchillaMoEQuality.meanRelativeError)]])
    }

    enum CodingKeys: String, CodingKey {
        case law, parameters, clarkQuality = "clark_quality", chinchillaMoEQuality = "chinchilla_moe_quality"
        case clarkResiduals = "clark_residuals", chinchillaMoEResiduals = "chinchilla_moe_residuals"
        case nRows = "n_rows", lossColumn = "loss_column", bootstrapResamples = "bootstrap_resamples", warnings
    }
}

/// Clark et al.'s law as least squares on log L; θ = (a, b, c, d) with Ê fixed, or
/// (a, b, c, d, log E_start, log(E_max − E_start)) with the saturating transform fitted.
public struct ClarkObjective: ResamplableObjective {
    let logN: [Double], experts: [Double], target: [Double], weights: [Double]
    /// Fixed log Ê per row (used when `fitSaturation` is false).
    let fixedLogExperts: [Double]
    let fitSaturation: Bool
    public var dimension: Int { fitSaturation ? 6 : 4 }
    public var rowCount: Int { target.count }

    public init(logN: [Double], experts: [Double], target: [Double], weights: [Double]? = nil,
                transform: ExpertTransform) {
        self.logN = logN
        self.experts = experts
        self.target = target
        self.weights = weights ?? Array(repeating: 1, count: target.count)
        switch transform {
        case .plain:
            fixedLogExperts = experts.map { Foundation.log($0) }; fitSaturation = false
        case .saturating(let s, let m):
            fixedLogExperts = experts.map { Foundation.log(ExpertTransform.transformed($0, start: s, max: m)) }; fitSaturation = false
        case .fittedSaturating:
            fixedLogExperts = experts.map { Foundation.log($0) }; fitSaturation = true
        }
    }

    private init(_ o: ClarkObjective, keep: [Int], weights: [Double]) {
        logN = keep.map { o.logN[$0] }; experts = keep.map { o.experts[$0] }; target = keep.map { o.target[$0] }
        fixedLogExperts = keep.map { o.fixedLogExperts[$0] }; fitSaturation = o.fitSaturation
        self.weights = weights
    }

    public func reweighted(_ counts: [Double]) -> ClarkObjective {
        let keep = counts.indices.filter { counts[$0] > 0 }
        return ClarkObjective(self, keep: keep, weights: keep.map { counts[$0] * weights[$0] })
    }

    public func evaluate(_ t: [Double], gradient g: inout [Double]) -> Double {
        for j in 0..<dimension { g[j] = 0 }
        var total = 0.0
        let s = Foundation.exp(fitSaturation ? t[4] : 0)
        let m = s + Foundation.exp(fitSaturation ? t[5] : 0)
        let q = s * m / (m - s)
        let dqds = m * m / ((m - s) * (m - s)), dqdm = -s * s / ((m - s) * (m - s))
        for i in target.indices {
            var le = fixedLogExperts[i], dle4 = 0.0, dle5 = 0.0
            if fitSaturation {
                let h = experts[i] - 1 + q
                let eHat = 1 / (1 / h + 1 / m)
                le = Foundation.log(eHat)
                let dq = eHat / (h * h), dm = eHat / (m * m)
                dle4 = dq * (dqds * s + dqdm * s) + dm * s
                dle5 = dq * dqdm * (m - s) + dm * (m - s)
            }
            let ln = logN[i]
            let r = t[0] * ln + t[1] * le + t[2] * ln * le + t[3] - target[i]
            total += weights[i] * 0.5 * r * r
            let w = weights[i] * r
            g[0] += w * ln; g[1] += w * le; g[2] += w * ln * le; g[3] += w
            if fitSaturation {
                let slope = t[1] + t[2] * ln
                g[4] += w * slope * dle4
                g[5] += w * slope * dle5
            }
        }
        let inverse = 1 / max(weights.reduce(0, +), 1)
        for j in 0..<dimension { g[j] *= inverse }
        return total * inverse
    }

    /// Linear least squares for (a, b, c, d) at given log Ê values.
    static func linearCoefficients(logN: [Double], logExperts: [Double], target: [Double], weights: [Double]) -> [Double]? {
        let design = logN.indices.map { [logN[$0], logExperts[$0], logN[$0] * logExperts[$0], 1] }
        return Stats.leastSquares(design: design, y: target, weights: weights)
    }
}

/// Two MoE laws on the same table so they can be compared: Clark et al. (2022) and the
/// Chinchilla form with N_active plus a sparsity term (Huber on log residuals, like Approach 3).
public enum MoEFit {
    static func chinchillaObjective(_ rows: MoERows, delta: Double) -> LogSumExpObjective {
        // θ = (a, b, e, α, β, f, γ).
        let terms = [
            LogSumExpTerm(coefficient: 0, exponent: 3, feature: rows.nActive.map { Foundation.log($0) }),
            LogSumExpTerm(coefficient: 1, exponent: 4, feature: rows.d.map { Foundation.log($0) }),
            LogSumExpTerm(coefficient: 2, exponent: nil, feature: []),
            LogSumExpTerm(coefficient: 5, exponent: 6, feature: rows.nTotal.indices.map { Foundation.log(rows.nTotal[$0] / rows.nActive[$0]) }),
        ]
        return LogSumExpObjective(dimension: 7, terms: terms, target: rows.loss.map { Foundation.log($0) }, loss: .huber(delta: delta))
    }

    /// What the Chinchilla MoE fit cannot pin down on these rows: a power term needs at least
    /// three distinct values of its variable (with two, A·N^−α trades off freely against E), and a
    /// parameter that overflowed marks a term the fit pushed to a degenerate limit.
    static func chinchillaMoEWarnings(_ rows: MoERows, point: ChinchillaMoEParameters) -> [String] {
        var warnings: [String] = []
        for (variable, values, term) in [("N_active", rows.nActive, "A/N_active^alpha"), ("D", rows.d, "B/D^beta")] {
            // Values within 10% of each other count once (a router adds a little to N_active).
            let sorted = values.sorted()
            let distinct = sorted.isEmpty ? 0 : 1 + zip(sorted, sorted.dropFirst()).filter { $1 > $0 * 1.1 }.count
            if distinct < 3 {
                warnings.append("chinchilla_moe: \(variable) takes \(distinct) distinct value(s) (within 10%), so \(term) is not identified (it trades off against E); read its parameters as unconstrained")
            }
        }
        let named: [(String, Double)] = [("E", point.E), ("A", point.A), ("B", point.B), ("alpha", point.alpha),
                                         ("beta", point.beta), ("F", point.F), ("gamma", point.gamma)]
        let degenerate = named.filter { !$0.1.isFinite }.map(\.0)
        if !degenerate.isEmpty {
            warnings.append("chinchilla_moe: \(degenerate.joined(separator: ", ")) overflowed: the fit drove a term to a degenerate limit (predictions and residuals still use the fitted log-space coordinates)")
        }
        return warnings
    }

    public static func fit(_ rows: MoERows, options: MoEOptions = MoEOptions()) throws -> MoEResult {
        let count = rows.loss.count
        for (name, values) in [("N", rows.nTotal), ("N_active", rows.nActive), ("D", rows.d), ("experts", rows.experts)] where values.count != count {
            throw FitError("moe: \(values.count) \(name) values for \(count) rows")
        }
        for i in 0..<count {
            for (name, v) in [("N", rows.nTotal[i]), ("N_active", rows.nActive[i]), ("D", rows.d[i]), ("loss", rows.loss[i])] where !(v > 0 && v.isFinite) {
                throw FitError("moe: \(rows.runIDs[i]): \(name) = \(v) is not positive")
            }
        }
        guard count > 7 else { throw FitError("moe: \(count) rows; the Chinchilla MoE law has 7 parameters, need at least 8") }
        guard Set(rows.experts).count >= 2 else {
            throw FitError("moe: every run has \(formatNumber(rows.experts[0])) expert(s); the MoE laws need runs with different expert counts")
        }
        guard Set(rows.nTotal.indices.map { rows.nActive[$0] / rows.nTotal[$0] }).count >= 2 else {
            throw FitError("moe: every run has the same N_active/N; the sparsity term needs runs with different active fractions")
        }
        let threads = FitThreads.resolve(options.threads)
        let logN = rows.nActive.map { Foundation.log($0) }, target = rows.loss.map { Foundation.log($0) }
        let ones = Array(repeating: 1.0, count: count)

        // Clark et al.
        let clarkObjective = ClarkObjective(logN: logN, experts: rows.experts, target: target, transform: options.expertTransform)
        var clarkStarts: [[Double]] = []
        if options.expertTransform == .fittedSaturating {
            for s in [0.5, 1, 2, 5] {
                for m in [16.0, 64, 256, 1024] {
                    let le = rows.experts.map { Foundation.log(ExpertTransform.transformed($0, start: s, max: m)) }
                    if let c = ClarkObjective.linearCoefficients(logN: logN, logExperts: le, target: target, weights: ones) {
                        clarkStarts.append(c + [Foundation.log(s), Foundation.log(m - s)])
                    }
                }
            }
        } else if let c = ClarkObjective.linearCoefficients(logN: logN, logExperts: clarkObjective.fixedLogExperts, target: target, weights: ones) {
            clarkStarts.append(c)
        }
        guard !clarkStarts.isEmpty else { throw FitError("moe: Clark's law is not identifiable on these rows (collinear log N and log E)") }
        let clarkDimension = clarkObjective.dimension
        let clarkOutcome = MultiStartBootstrap(starts: clarkStarts, screeningIterations: nil, bootstrap: options.bootstrap,
                                               jitter: Array(repeating: 0.01, count: clarkDimension),
                                               optimizer: options.optimizer, threads: threads).run(clarkObjective)
        func clark(_ t: [Double]) -> ClarkParameters {
            var p = ClarkParameters(a: t[0], b: t[1], c: t[2], d: t[3], expertStart: nil, expertMax: nil)
            switch options.expertTransform {
            case .plain: break
            case .saturating(let s, let m): p.expertStart = s; p.expertMax = m
            case .fittedSaturating:
                p.expertStart = Foundation.exp(t[4]); p.expertMax = Foundation.exp(t[4]) + Foundation.exp(t[5])
            }
            return p
        }

        // Chinchilla with N_active and a sparsity term.
        let chObjective = chinchillaObjective(rows, delta: options.huberDelta)
        let chStarts = gridProduct([[0, 10, 20], [0, 10, 20], [-1, 0, 1], [0, 0.5, 1], [0, 0.5, 1], [-3, -1, 1], [0, 0.5, 1]])
        let chOutcome = MultiStartBootstrap(starts: chStarts, screeningIterations: 50, bootstrap: options.bootstrap,
                                            jitter: [1, 1, 0.2, 0.05, 0.05, 0.5, 0.1],
                                            optimizer: options.optimizer, threads: threads).run(chObjective)
        func chinchilla(_ t: [Double]) -> ChinchillaMoEParameters {
            ChinchillaMoEParameters(E: Foundation.exp(t[2]), A: Foundation.exp(t[0]), B: Foundation.exp(t[1]), alpha: t[3],
                                    beta: t[4], F: Foundation.exp(t[5]), gamma: t[6])
        }

        let clarkPoint = clark(clarkOutcome.best), clarkSamples = clarkOutcome.samples.map(clark)
        let chPoint = chinchilla(chOutcome.best), chSamples = chOutcome.samples.map(chinchilla)
        var table = ParameterTable()
        for (name, path) in [("a", \ClarkParameters.a), ("b", \.b), ("c", \.c), ("d", \.d)] {
            table.append("clark.\(name)", ParameterEstimate(clarkPoint[keyPath: path], samples: clarkSamples.map { $0[keyPath: path] }))
        }
        if let s = clarkPoint.expertStart, let m = clarkPoint.expertMax {
            let fitted = options.expertTransform == .fittedSaturating
            table.append("clark.E_start", ParameterEstimate(s, samples: fitted ? clarkSamples.compactMap(\.expertStart) : []))
            table.append("clark.E_max", ParameterEstimate(m, samples: fitted ? clarkSamples.compactMap(\.expertMax) : []))
        }
        for (name, path) in [("E", \ChinchillaMoEParameters.E), ("A", \.A), ("B", \.B), ("alpha", \.alpha), ("beta", \.beta),
                             ("F", \.F), ("gamma", \.gamma)] {
            table.append("chinchilla_moe.\(name)", ParameterEstimate(chPoint[keyPath: path], samples: chSamples.map { $0[keyPath: path] }))
        }
        let clarkResiduals = (0..<count).map {
            Residual(runID: rows.runIDs[$0], observed: rows.loss[$0], predicted: clarkPoint.loss(nActive: rows.nActive[$0], experts: rows.experts[$0]))
        }
        // Predictions from the fitted coordinates (log-sum-exp), not from the exponentiated
        // parameters: a degenerate term (A = e^a overflowing while N^−α underflows) stays finite.
        let chResiduals = (0..<count).map {
            Residual(runID: rows.runIDs[$0], observed: rows.loss[$0],
                     predicted: Foundation.exp(chObjective.logPrediction(chOutcome.best, row: $0)))
        }
        var warnings = rows.warnings
        warnings += chinchillaMoEWarnings(rows, point: chPoint)
        let failed = clarkOutcome.failedRefits + chOutcome.failedRefits
        if failed > 0 { warnings.append("\(failed) bootstrap refits failed and were dropped") }
        return MoEResult(parameters: table, clark: clarkPoint, chinchillaMoE: chPoint,
                         clarkQuality: FitQuality(clarkResiduals, parameterCount: clarkDimension),
                         chinchillaMoEQuality: FitQuality(chResiduals, parameterCount: 7),
                         clarkResiduals: clarkResiduals, chinchillaMoEResiduals: chResiduals, nRows: count,
                         lossColumn: rows.lossColumn, bootstrapResamples: options.bootstrap.resamples, warnings: warnings)
    }
}
