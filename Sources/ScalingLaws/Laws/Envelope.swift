import Foundation

/// A point of the lower envelope of loss against compute.
public struct EnvelopePoint: Codable, Sendable, Equatable {
    public var C: Double
    public var loss: Double
    /// The run attaining the envelope at C, its size, and the tokens it had seen at C (as it
    /// logged them; C/(6N) only for curves without a tokens column).
    public var runID: String
    public var N: Double
    public var D: Double
    /// Whether the point entered the power-law fit (not attained by the smallest or largest model).
    public var used: Bool

    enum CodingKeys: String, CodingKey { case C, loss, runID = "run_id", N, D, used }
}

public struct EnvelopeOptions: Sendable, Equatable {
    /// Log-spaced compute values at which the envelope is evaluated.
    public var gridPoints = 200
    /// Leave out envelope points attained by the smallest or largest model: there the sweep's
    /// size range, not the optimum, decides the winner.
    public var excludeExtremeSizes = true
    /// Runs resampled with replacement; 0 = no intervals.
    public var bootstrap = BootstrapOptions(resamples: 0)
    public var budgets: [Double] = []
    public var threads: Int?
    public init() {}
}

public struct EnvelopeResult: FitReport {
    public let law = "envelope"
    public var parameters: ParameterTable
    public var envelope: [EnvelopePoint]
    public var nFrontier: PowerLawFrontier
    public var dFrontier: PowerLawFrontier
    public var computeOptimal: [FrontierPrediction]
    public var nRuns: Int
    public var lossColumn: String
    public var bootstrapResamples: Int
    public var bootstrapSucceeded: Int
    public var warnings: [String]

    public func detailLines() -> [String] {
        let used = envelope.filter(\.used)
        var lines = ["lower envelope of \(nRuns) runs (\(lossColumn)) at \(envelope.count) compute values, \(used.count) used for the fit"]
        let winners = Dictionary(grouping: used, by: \.runID).map { ($0.key, $0.value.count, $0.value[0].N) }
            .sorted { ($0.2, $0.0) < ($1.2, $1.0) }  // by N, then run id: runs of one size tie
        lines += formatColumns(header: ["run on the envelope", "N", "points"], rows: winners.map { [$0.0, formatNumber($0.2), "\($0.1)"] })
        lines += FrontierPrediction.tableLines(computeOptimal)
        return lines
    }

    enum CodingKeys: String, CodingKey {
        case law, parameters, envelope, nFrontier = "N_frontier", dFrontier = "D_frontier"
        case computeOptimal = "compute_optimal", nRuns = "n_runs", lossColumn = "loss_column"
        case bootstrapResamples = "bootstrap_resamples", bootstrapSucceeded = "bootstrap_succeeded", warnings
    }
}

/// Chinchilla Approach 1: the lower envelope of loss against FLOPs over all runs' curves; the
/// run attaining it at each C gives N_opt(C) and D_opt(C), the tokens that run had logged at C
/// (not C/(6·N_opt): C follows the run's `flop_accounting`, which counts attention and the
/// unembedding by default); then power laws by least squares in log space. Bootstrap: runs
/// resampled with replacement.
public enum EnvelopeFit {
    /// One run reduced to what the envelope needs: log C ascending, loss, N.
    struct Run: Sendable {
        var id: String
        var n: Double
        var logC: [Double]
        var loss: [Double]
        /// log D (tokens seen) at each point.
        var logD: [Double]
        /// The bracketing points of log C and the weight of the upper one; nil outside the range.
        func bracket(_ x: Double) -> (lo: Int, hi: Int, t: Double)? {
            guard let first = logC.first, let last = logC.last, x >= first, x <= last else { return nil }
            var lo = 0, hi = logC.count - 1
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if logC[mid] <= x { lo = mid } else { hi = mid }
            }
            return (lo, hi, logC[hi] == logC[lo] ? 0 : (x - logC[lo]) / (logC[hi] - logC[lo]))
        }
        /// Loss at log C by linear interpolation; nil outside the run's range.
        func loss(at x: Double) -> Double? {
            guard let (lo, hi, t) = bracket(x) else { return nil }
            if logC[hi] == logC[lo] { return min(loss[lo], loss[hi]) }
            return loss[lo] + t * (loss[hi] - loss[lo])
        }
        /// Tokens at log C, interpolated in log space (exact for a constant cost per token).
        func tokens(at x: Double) -> Double {
            guard let (lo, hi, t) = bracket(x) else { return .nan }
            return Foundation.exp(logD[lo] + t * (logD[hi] - logD[lo]))
        }
    }

    public static func fit(_ set: LossCurveSet, options: EnvelopeOptions = EnvelopeOptions()) throws -> EnvelopeResult {
        var runs: [Run] = []
        var warnings = set.warnings
        var withoutTokens: [String] = []
        for curve in set.curves {
            guard let n = curve.N else {
                throw FitError("envelope: run \(curve.runID) has no parameter count N (give an N column in the results table or the curve file)")
            }
            var points: [(logC: Double, loss: Double, tokens: Double?)] = []
            for i in curve.step.indices {
                guard let c = curve.flops[i], let l = curve.loss[i] else { continue }
                if c.isNaN || l.isNaN { throw FitError("envelope: run \(curve.runID) step \(formatNumber(curve.step[i])): flops or \(set.lossColumn) is NaN") }
                if c > 0 && l > 0 { points.append((Foundation.log(c), l, curve.tokens[i])) }
            }
            points.sort { $0.logC < $1.logC }
            if points.count < 2 {
                warnings.append("run \(curve.runID): fewer than 2 points with flops and \(set.lossColumn); left out")
                continue
            }
            // D as logged; a curve without positive tokens on every point falls back to C/(6N).
            let logged = points.allSatisfy { ($0.tokens ?? 0) > 0 }
            if !logged { withoutTokens.append(curve.runID) }
            let logD = points.map { logged ? Foundation.log($0.tokens!) : $0.logC - Foundation.log(6 * n) }
            runs.append(Run(id: curve.runID, n: n, logC: points.map(\.logC), loss: points.map(\.loss), logD: logD))
        }
        if !withoutTokens.isEmpty {
            warnings.append("no logged tokens for \(withoutTokens.count) run(s), D taken as C/(6N): \(withoutTokens.prefix(8).joined(separator: ", "))\(withoutTokens.count > 8 ? ", …" : "")")
        }
        guard Set(runs.map(\.n)).count >= 3 else {
            throw FitError("envelope: \(runs.count) usable curves with \(Set(runs.map(\.n)).count) distinct model sizes; need at least 3 sizes")
        }
        let lo = runs.map { $0.logC.first! }.min()!, hi = runs.map { $0.logC.last! }.max()!
        let grid = (0..<options.gridPoints).map { lo + (hi - lo) * Double($0) / Double(max(options.gridPoints - 1, 1)) }
        let excludeExtremes = options.excludeExtremeSizes

        guard let point = envelopeFit(runs, grid: grid, excludeExtremes: excludeExtremes) else {
            throw FitError("envelope: fewer than 2 compute values are attained by a model that is neither the smallest nor the largest; cannot fit N_opt against C")
        }
        let threads = FitThreads.resolve(options.threads)
        let allRuns = runs
        let samples: [(n: [Double], d: [Double])] = runBootstrap(options.bootstrap, threads: threads) { _, rng in
            let picked = resampleIndices(allRuns.count, &rng).map { allRuns[$0] }
            guard let f = envelopeFit(picked, grid: grid, excludeExtremes: excludeExtremes) else { return nil }
            return ([f.nLine.exponent, f.nLine.logCoefficient], [f.dLine.exponent, f.dLine.logCoefficient])
        }.compactMap { $0 }

        let used = point.envelope.filter(\.used)
        let nFrontier = PowerLawFrontier(exponent: point.nLine.exponent, logCoefficient: point.nLine.logCoefficient,
                                         points: used.map { [$0.C, $0.N] }, samples: samples.map(\.n))
        let dFrontier = PowerLawFrontier(exponent: point.dLine.exponent, logCoefficient: point.dLine.logCoefficient,
                                         points: used.map { [$0.C, $0.D] }, samples: samples.map(\.d))
        var parameters = ParameterTable()
        parameters.append("a", nFrontier.exponent)
        parameters.append("k", nFrontier.coefficient)
        parameters.append("b", dFrontier.exponent)
        parameters.append("k'", dFrontier.coefficient)
        if options.bootstrap.resamples > samples.count {
            warnings.append("\(options.bootstrap.resamples - samples.count) of \(options.bootstrap.resamples) bootstrap replicates could not fit a frontier and were dropped")
        }
        let predictions = options.budgets.map { c -> FrontierPrediction in
            let n = nFrontier.predict(c), d = dFrontier.predict(c)
            return FrontierPrediction(C: c, nOpt: ParameterEstimate(estimate: n, ci95: nFrontier.band(at: c)),
                                      dOpt: ParameterEstimate(estimate: d, ci95: dFrontier.band(at: c)), tokensPerParameter: d / n)
        }
        return EnvelopeResult(parameters: parameters, envelope: point.envelope, nFrontier: nFrontier, dFrontier: dFrontier,
                              computeOptimal: predictions, nRuns: runs.count, lossColumn: set.lossColumn,
                              bootstrapResamples: options.bootstrap.resamples, bootstrapSucceeded: samples.count,
                              warnings: warnings)
    }

    static func envelopeFit(_ runs: [Run], grid: [Double], excludeExtremes: Bool)
        -> (envelope: [EnvelopePoint], nLine: (exponent: Double, logCoefficient: Double), dLine: (exponent: Double, logCoefficient: Double))?
    {
        let sizes = runs.map(\.n)
        guard let smallest = sizes.min(), let largest = sizes.max() else { return nil }
        var envelope: [EnvelopePoint] = []
        for x in grid {
            var best: (loss: Double, run: Int)?
            for (k, run) in runs.enumerated() {
                guard let l = run.loss(at: x) else { continue }
                if best == nil || l < best!.loss { best = (l, k) }
            }
            guard let best else { continue }
            let run = runs[best.run]
            let used = !excludeExtremes || (run.n != smallest && run.n != largest)
            envelope.append(EnvelopePoint(C: Foundation.exp(x), loss: best.loss, runID: run.id, N: run.n,
                                          D: run.tokens(at: x), used: used))
        }
        let used = envelope.filter(\.used)
        guard Set(used.map(\.C)).count >= 2,
              let nLine = PowerLawFrontier.fitLogLog(x: used.map(\.C), y: used.map(\.N)),
              let dLine = PowerLawFrontier.fitLogLog(x: used.map(\.C), y: used.map(\.D))
        else { return nil }
        return (envelope, nLine, dLine)
    }
}
