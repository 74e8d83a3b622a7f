import Foundation
import Testing
import ScalingLaws

/// Approaches 1 and 2 on synthetic data with a known frontier.
@Suite struct FrontierSyntheticTests {
    /// Budgets whose loss is exactly a parabola in log N with its vertex at N* = k·C^a.
    func parabolicBudgets(a: Double, k: Double, sigma: Double, seed: UInt64) -> [IsoFLOPBudget] {
        var noise = Noise(seed: seed)
        return [1e17, 3e17, 1e18, 3e18, 1e19, 3e19, 1e20].map { c in
            let nStar = k * pow(c, a)
            let offsets = stride(from: -1.6, through: 1.61, by: 0.4).map { $0 * log(10) / 2 }  // ±0.8 decades
            let n = offsets.map { nStar * exp($0 + 0.05) }
            let loss = n.map { (2 + 30 * pow(c, -0.05) + 0.08 * pow(log($0 / nStar), 2)) * noise.factor(sigma) }
            return IsoFLOPBudget(C: c, n: n, loss: loss)
        }
    }

    @Test func isoFLOPExactParabolasRecoverTheFrontierTo1e4() throws {
        let fit = try IsoFLOPFit.fit(parabolicBudgets(a: 0.52, k: 0.09, sigma: 0, seed: 1))
        #expect(relativeError(fit.nFrontier.exponent.estimate, 0.52) < 1e-4)
        #expect(relativeError(fit.nFrontier.coefficient.estimate, 0.09) < 1e-4)
        #expect(relativeError(fit.dFrontier.exponent.estimate, 0.48) < 1e-4)
        #expect(relativeError(fit.dFrontier.coefficient.estimate, 1 / (6 * 0.09)) < 1e-4)
        // Plot data: every budget exposes its points, window and parabola.
        for b in fit.budgets {
            #expect(b.points.filter(\.inWindow).count == 5)
            let p = try #require(b.parabolaN)
            #expect(relativeError(exp(p.vertex!), b.nOpt!.estimate) < 1e-12)
        }
    }

    @Test func isoFLOPNoisyTruthInsideBootstrapInterval() throws {
        var options = IsoFLOPOptions()
        options.bootstrap = BootstrapOptions(resamples: 300, seed: 3)
        options.budgets = [1e22]
        let fit = try IsoFLOPFit.fit(parabolicBudgets(a: 0.52, k: 0.09, sigma: 0.002, seed: 2), options: options)
        #expect(fit.nFrontier.exponent.contains(0.52), "\(fit.nFrontier.exponent)")
        #expect(fit.nFrontier.coefficient.contains(0.09), "\(fit.nFrontier.coefficient)")
        let band = try #require(fit.nFrontier.band(at: 1e22))
        let exact = 0.09 * pow(1e22, 0.52)
        #expect(band[0] <= exact && exact <= band[1])
        #expect(fit.computeOptimal.first?.nOpt.ci95 == band)
    }

    @Test func isoFLOPWindowOptions() throws {
        let budgets = parabolicBudgets(a: 0.5, k: 0.1, sigma: 0, seed: 4)
        for window in [IsoFLOPWindow.all, .nearest(3), .logHalfWidth(log(4))] {
            var options = IsoFLOPOptions()
            options.window = window
            let fit = try IsoFLOPFit.fit(budgets, options: options)
            #expect(relativeError(fit.nFrontier.exponent.estimate, 0.5) < 1e-4, "\(window)")
        }
    }

    /// Loss curves of many sizes drawn from a Chinchilla law: the envelope's winners follow
    /// N_opt ∝ C^(β/(α+β)) up to the spacing of the sizes.
    func chinchillaCurves(_ truth: ChinchillaParameters, sizes: Int, sigma: Double, seed: UInt64) -> LossCurveSet {
        var noise = Noise(seed: seed)
        let curves = (0..<sizes).map { i -> LossCurve in
            let n = 1e7 * pow(1e3, Double(i) / Double(sizes - 1))
            let tokens = (1...60).map { n * 400 * pow(10, Double($0 - 60) / 20) }  // 3 decades up to 400 tokens/param
            return LossCurve(runID: "run\(i)", N: n, step: tokens.indices.map(Double.init),
                             flops: tokens.map { 6 * n * $0 }, loss: tokens.map { truth.loss(n: n, d: $0) * noise.factor(sigma) })
        }
        return LossCurveSet(curves: curves)
    }

    /// Two runs of each size (e.g. a first run and its continuation) both reach the envelope;
    /// the report lists them in a fixed order, by N and then run id.
    @Test func envelopeReportOrdersRunsOfOneSizeByID() throws {
        let truth = ChinchillaParameters(E: 1.7, A: 400, B: 400, alpha: 0.34, beta: 0.28)
        let curves = (0..<8).flatMap { i -> [LossCurve] in
            let n = 1e7 * pow(1e3, Double(i) / 7)
            return [("z\(i)", 1...30), ("a\(i)", 31...60)].map { id, range in
                let tokens = range.map { n * 400 * pow(10, Double($0 - 60) / 20) }
                return LossCurve(runID: id, N: n, step: tokens.indices.map(Double.init),
                                 flops: tokens.map { 6 * n * $0 }, loss: tokens.map { truth.loss(n: n, d: $0) })
            }
        }
        var options = EnvelopeOptions()
        options.bootstrap = BootstrapOptions(resamples: 0, seed: 1)
        let fit = try EnvelopeFit.fit(LossCurveSet(curves: curves), options: options)
        let listed = fit.detailLines().compactMap { line -> String? in
            let id = line.split(separator: " ").first.map(String.init) ?? ""
            return curves.contains { $0.runID == id } ? id : nil
        }
        let expected = curves.filter { c in fit.envelope.contains { $0.used && $0.runID == c.runID } }
            .sorted { ($0.N ?? 0, $0.runID) < ($1.N ?? 0, $1.runID) }.map(\.runID)
        #expect(listed == expected)
        #expect(Set(expected.map { $0.dropFirst() }).count < expected.count, "no size has two runs on the envelope: \(expected)")
    }

    /// C follows the runs' FLOP accounting (here 1.5 × 6ND, as `full` adds attention and the
    /// unembedding); D_opt is the tokens the winning run logged, not C/(6N).
    @Test func envelopeTakesDFromLoggedTokens() throws {
        let truth = ChinchillaParameters(E: 1.7, A: 400, B: 400, alpha: 0.34, beta: 0.28)
        let curves = (0..<8).map { i -> LossCurve in
            let n = 1e7 * pow(1e3, Double(i) / 7)
            let tokens = (1...60).map { n * 400 * pow(10, Double($0 - 60) / 20) }
            return LossCurve(runID: "run\(i)", N: n, step: tokens.indices.map(Double.init), tokens: tokens,
                             flops: tokens.map { 9 * n * $0 }, loss: tokens.map { truth.loss(n: n, d: $0) })
        }
        let fit = try EnvelopeFit.fit(LossCurveSet(curves: curves))
        let used = zip(fit.nFrontier.points, fit.dFrontier.points).map { (c: $0.0[0], n: $0.0[1], d: $0.1[1]) }
        #expect(!used.isEmpty)
        #expect(used.allSatisfy { relativeError($0.d, $0.c / (9 * $0.n)) < 1e-9 }, "\(used.prefix(3))")
        #expect(!fit.warnings.contains { $0.contains("C/(6N)") })
        // Without logged tokens the old estimate remains, and says so.
        let untracked = LossCurveSet(curves: curves.map { var c = $0; c.tokens = c.tokens.map { _ in nil }; return c })
        let fallback = try EnvelopeFit.fit(untracked)
        #expect(zip(fallback.nFrontier.points, fallback.dFrontier.points).allSatisfy { relativeError($0.1[1], $0.0[0] / (6 * $0.0[1])) < 1e-9 })
        #expect(fallback.warnings.contains { $0.contains("D taken as C/(6N)") })
    }

    @Test func envelopeFollowsTheTrueFrontier() throws {
        let truth = ChinchillaParameters(E: 1.7, A: 400, B: 400, alpha: 0.34, beta: 0.28)
        var options = EnvelopeOptions()
        options.bootstrap = BootstrapOptions(resamples: 100, seed: 1)
        let fit = try EnvelopeFit.fit(chinchillaCurves(truth, sizes: 40, sigma: 0, seed: 1), options: options)
        let a = fit.nFrontier.exponent.estimate
        // Discrete sizes make N_opt a staircase: 1e-4 is out of reach, 2% is not.
        #expect(relativeError(a, truth.allocationExponentN) < 0.02, "a = \(a), truth \(truth.allocationExponentN)")
        #expect(relativeError(fit.dFrontier.exponent.estimate, truth.allocationExponentD) < 0.03)
        #expect(fit.nFrontier.exponent.contains(truth.allocationExponentN), "\(fit.nFrontier.exponent)")
        // The envelope is the pointwise minimum over curves.
        #expect(fit.envelope.allSatisfy { $0.loss > truth.E })
        #expect(fit.envelope.contains { !$0.used })  // smallest/largest model points are left out
    }
}
