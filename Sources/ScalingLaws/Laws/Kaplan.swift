import Foundation

/// L(x) = (x_c / x)^α: one of Kaplan et al.'s single-variable laws.
public struct KaplanSingleLaw: Codable, Sendable, Equatable {
    /// N, D or C.
    public var variable: String
    public var scale: ParameterEstimate
    public var exponent: ParameterEstimate
    /// The (x, loss) points fitted: per-size minima for N and D, the compute frontier for C.
    public var points: [[Double]]
    public func loss(_ x: Double) -> Double { pow(scale.estimate / x, exponent.estimate) }
}

/// L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D.
public struct KaplanJointParameters: Codable, Sendable, Equatable {
    public var nC: Double
    public var dC: Double
    public var alphaN: Double
    public var alphaD: Double
    public init(nC: Double, dC: Double, alphaN: Double, alphaD: Double) {
        self.nC = nC; self.dC = dC; self.alphaN = alphaN; self.alphaD = alphaD
    }
    public func loss(n: Double, d: Double) -> Double {
        pow(pow(nC / n, alphaN / alphaD) + dC / d, alphaD)
    }
    enum CodingKeys: String, CodingKey { case nC = "N_c", dC = "D_c", alphaN = "alpha_N", alphaD = "alpha_D" }
}

public struct KaplanOptions: Sendable, Equatable {
    public var bootstrap = BootstrapOptions(resamples: 0)
    public var threads: Int?
    public var optimizer = LBFGSOptions()
    public init() {}
}

public struct KaplanResult: FitReport {
    public let law = "kaplan"
    /// N_c, alpha_N, D_c, alpha_D, C_c, alpha_C (single laws), then the joint law's
    /// N_c_joint, D_c_joint, alpha_N_joint, alpha_D_joint.
    public var parameters: ParameterTable
    public var lossOfN: KaplanSingleLaw
    public var lossOfD: KaplanSingleLaw
    public var lossOfC: KaplanSingleLaw
    public var joint: KaplanJointParameters
    /// Residuals of the joint law on every row.
    public var residuals: [Residual]
    public var nRows: Int
    public var lossColumn: String
    public var bootstrapResamples: Int
    public var bootstrapSucceeded: Int
    public var warnings: [String]
    /// The joint law's bootstrap refits in replicate order (not in JSON; fit.json's predictor
    /// keeps them).
    public var jointSamples: [KaplanJointParameters] = []

    public func detailLines() -> [String] {
        ["L(N) on the lowest loss per N (\(lossOfN.points.count) sizes), L(D) on the lowest loss per D (\(lossOfD.points.count)),",
         "L(C) on the compute frontier (\(lossOfC.points.count) runs; C in the table's units), L(N, D) on all \(nRows) rows (\(lossColumn))"]
    }

    enum CodingKeys: String, CodingKey {
        case law, parameters, lossOfN = "L_of_N", lossOfD = "L_of_D", lossOfC = "L_of_C", joint = "L_of_N_D"
        case residuals, nRows = "n_rows", lossColumn = "loss_column"
        case bootstrapResamples = "bootstrap_resamples", bootstrapSucceeded = "bootstrap_succeeded", warnings
    }
}

/// log L = α_D · LSE((α_N/α_D)(log N_c − log N), log D_c − log D), least squares in log space;
/// θ = (log N_c, log D_c, α_N, α_D).
struct KaplanJointObjective: ResamplableObjective {
    let logN: [Double], logD: [Double], target: [Double], weights: [Double]
    var dimension: Int { 4 }
    var rowCount: Int { target.count }
    var scale: Double { max(weights.reduce(0, +), 1) }

    func reweighted(_ counts: [Double]) -> KaplanJointObjective {
        let keep = counts.indices.filter { counts[$0] > 0 }
        return KaplanJointObjective(logN: keep.map { logN[$0] }, logD: keep.map { logD[$0] },
                                    target: keep.map { target[$0] }, weights: keep.map { counts[$0] * weights[$0] })
    }

    func logPrediction(_ t: [Double], _ i: Int) -> Double {
        let u = t[2] / t[3] * (t[0] - logN[i]), v = t[1] - logD[i]
        let m = max(u, v)
        return t[3] * (m + Foundation.log(Foundation.exp(u - m) + Foundation.exp(v - m)))
    }

    func evaluate(_ t: [Double], gradient g: inout [Double]) -> Double {
        for j in 0..<4 { g[j] = 0 }
        var total = 0.0
        let ratio = t[2] / t[3]
        for i in target.indices {
            let u = ratio * (t[0] - logN[i]), v = t[1] - logD[i]
            let m = max(u, v)
            let eu = Foundation.exp(u - m), ev = Foundation.exp(v - m)
            let s = m + Foundation.log(eu + ev)
            let pu = eu / (eu + ev), pv = 1 - pu
            let r = t[3] * s - target[i]
            total += weights[i] * 0.5 * r * r
            let w = weights[i] * r
            g[0] += w * t[2] * pu
            g[1] += w * t[3] * pv
            g[2] += w * pu * (t[0] - logN[i])
            g[3] += w * (s - pu * u)
        }
        let inverse = 1 / scale
        for j in 0..<4 { g[j] *= inverse }
        return total * inverse
    }
}

/// Kaplan et al. (2020): L(N) = (N_c/N)^α_N, L(D) = (D_c/D)^α_D, L(C_min) = (C_c/C)^α_C, each a
/// straight line in log–log space fitted by least squares, and the joint
/// L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D by nonlinear least squares in log space.
///
/// Which rows: a table mixes sizes and token counts, so L(N) uses the lowest loss at each N (the
/// best-trained run of that size), L(D) the lowest loss at each D, and L(C) the compute frontier
/// (runs with a lower loss than every run of smaller C). Kaplan's C_c is in PF-days; here C is in
/// the table's units (FLOPs).
public enum KaplanFit {
    public static func fit(_ rows: ScalingRows, options: KaplanOptions = KaplanOptions()) throws -> KaplanResult {
        try rows.validate(law: "kaplan")
        guard rows.count > 4 else { throw FitError("kaplan: \(rows.count) rows; the joint L(N, D) law needs at least 5") }
        for (name, values) in [("N", rows.n), ("D", rows.d), ("C", rows.c)] where Set(values).count < 2 {
            throw FitError("kaplan: every row has the same \(name); L(\(name)) needs at least 2 distinct values")
        }
        let threads = FitThreads.resolve(options.threads)
        let objective = KaplanJointObjective(logN: rows.n.map { Foundation.log($0) }, logD: rows.d.map { Foundation.log($0) },
                                             target: rows.loss.map { Foundation.log($0) },
                                             weights: Array(repeating: 1, count: rows.count))
        let starts = gridProduct([[12, 14, 16].map { $0 * Foundation.log(10.0) }, [11, 13, 15].map { $0 * Foundation.log(10.0) },
                                  [0.05, 0.1, 0.3], [0.05, 0.1, 0.3]])
        let search = minimizeFromStarts(objective, starts: starts, options: options.optimizer, threads: threads)
        guard search.best.value.isFinite else { throw FitError("kaplan: the joint L(N, D) fit did not reach a finite objective") }
        let best = search.best.x
        let point = singleFits(rows, counts: nil)!

        let optimizer = options.optimizer
        let replicates: [(single: [[Double]], joint: [Double])] = runBootstrap(options.bootstrap, threads: threads) { _, rng in
            let counts = resampleCounts(rows.count, &rng)
            guard let single = singleFits(rows, counts: counts) else { return nil }
            let refit = minimizeLBFGS(objective.reweighted(counts), from: best, options: optimizer)
            guard refit.value.isFinite else { return nil }
            return (single.map { [$0.logScale, $0.exponent] }, refit.x)
        }.compactMap { $0 }

        func single(_ k: Int, _ name: String, _ fit: (logScale: Double, exponent: Double, points: [[Double]])) -> KaplanSingleLaw {
            let s = replicates.map { $0.single[k] }
            return KaplanSingleLaw(variable: name, scale: ParameterEstimate(Foundation.exp(fit.logScale), samples: s.map { Foundation.exp($0[0]) }),
                                   exponent: ParameterEstimate(fit.exponent, samples: s.map { $0[1] }), points: fit.points)
        }
        let lossOfN = single(0, "N", point[0]), lossOfD = single(1, "D", point[1]), lossOfC = single(2, "C", point[2])
        let joint = KaplanJointParameters(nC: Foundation.exp(best[0]), dC: Foundation.exp(best[1]), alphaN: best[2], alphaD: best[3])
        let js = replicates.map(\.joint)
        var table = ParameterTable()
        table.append("N_c", lossOfN.scale); table.append("alpha_N", lossOfN.exponent)
        table.append("D_c", lossOfD.scale); table.append("alpha_D", lossOfD.exponent)
        table.append("C_c", lossOfC.scale); table.append("alpha_C", lossOfC.exponent)
        table.append("N_c_joint", ParameterEstimate(joint.nC, samples: js.map { Foundation.exp($0[0]) }))
        table.append("D_c_joint", ParameterEstimate(joint.dC, samples: js.map { Foundation.exp($0[1]) }))
        table.append("alpha_N_joint", ParameterEstimate(joint.alphaN, samples: js.map { $0[2] }))
        table.append("alpha_D_joint", ParameterEstimate(joint.alphaD, samples: js.map { $0[3] }))
        var warnings = rows.warnings
        if options.bootstrap.resamples > replicates.count {
            warnings.append("\(options.bootstrap.resamples - replicates.count) of \(options.bootstrap.resamples) bootstrap replicates failed and were dropped")
        }
        return KaplanResult(parameters: table, lossOfN: lossOfN, lossOfD: lossOfD, lossOfC: lossOfC, joint: joint,
                            residuals: rows.n.indices.map { Residual(runID: rows.runIDs[$0], observed: rows.loss[$0],
                                                                     predicted: joint.loss(n: rows.n[$0], d: rows.d[$0])) },
                            nRows: rows.count, lossColumn: rows.lossColumn, bootstrapResamples: options.bootstrap.resamples,
                            bootstrapSucceeded: replicates.count, warnings: warnings,
                            jointSamples: js.map { KaplanJointParameters(nC: Foundation.exp($0[0]), dC: Foundation.exp($0[1]), alphaN: $0[2], alphaD: $0[3]) })
    }

    /// L(N), L(D), L(C) on (re)weighted rows: (log x_c, α, points). nil when a law has < 2 points.
    static func singleFits(_ rows: ScalingRows, counts: [Double]?) -> [(logScale: Double, exponent: Double, points: [[Double]])]? {
        let drawn = rows.n.indices.filter { (counts?[$0] ?? 1) > 0 }
        func lowestPer(_ key: [Double]) -> [[Double]] {
            var best: [Double: Double] = [:]
            for i in drawn { best[key[i]] = min(best[key[i]] ?? .infinity, rows.loss[i]) }
            return best.keys.sorted().map { [$0, best[$0]!] }
        }
        var frontier: [[Double]] = []
        var lowest = Double.infinity
        for i in drawn.sorted(by: { (rows.c[$0], rows.loss[$0]) < (rows.c[$1], rows.loss[$1]) }) where rows.loss[i] < lowest {
            lowest = rows.loss[i]
            frontier.append([rows.c[i], rows.loss[i]])
        }
        var fits: [(logScale: Double, exponent: Double, points: [[Double]])] = []
        for points in [lowestPer(rows.n), lowestPer(rows.d), frontier] {
            // log L = α log x_c − α log x.
            guard let line = PowerLawFrontier.fitLogLog(x: points.map { $0[0] }, y: points.map { $0[1] }), line.exponent != 0 else { return nil }
            let alpha = -line.exponent
            fits.append((line.logCoefficient / alpha, alpha, points))
        }
        return fits
    }

    /// The joint law's objective and analytic gradient in θ = (log N_c, log D_c, α_N, α_D)
    /// (mean ½ r² of log residuals); exposed for gradient checks.
    public static func jointObjectiveAndGradient(_ rows: ScalingRows, theta: [Double]) -> (value: Double, gradient: [Double]) {
        let o = KaplanJointObjective(logN: rows.n.map { Foundation.log($0) }, logD: rows.d.map { Foundation.log($0) },
                                     target: rows.loss.map { Foundation.log($0) }, weights: Array(repeating: 1, count: rows.count))
        var g = [0.0, 0, 0, 0]
        let v = o.evaluate(theta, gradient: &g)
        return (v, g)
    }
}
