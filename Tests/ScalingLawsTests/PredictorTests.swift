import Foundation
import Testing
import ScalingLaws

/// `LawPredictor` (what fit.json keeps for `predict`): equal to each law's own prediction, with
/// intervals around it; and `--fix` for Chinchilla.
@Suite struct PredictorTests {
    let truth = ChinchillaParameters(E: 1.8, A: 400, B: 1500, alpha: 0.34, beta: 0.30)

    func chinchilla(fixed: [ParameterFix] = [], seed: UInt64 = 2) throws -> ChinchillaResult {
        var options = ChinchillaOptions()
        options.grid = smallChinchillaGrid
        options.bootstrap = BootstrapOptions(resamples: 60, seed: 7)
        options.fixed = fixed
        return try ChinchillaFit.fit(syntheticChinchillaRows(truth, count: 60, sigma: 0.01, seed: seed), options: options)
    }

    /// Encoded and decoded as fit.json stores it.
    func roundTrip(_ p: LawPredictor) throws -> LawPredictor {
        try JSONDecoder().decode(LawPredictor.self, from: try JSONEncoder().encode(p))
    }

    @Test func chinchillaPredictorEqualsTheLaw() throws {
        let rows = syntheticChinchillaRows(truth, count: 60, sigma: 0.01, seed: 2)
        let fit = try chinchilla()
        let predictor = try roundTrip(fit.predictor(rows: rows, accounting: "6ND"))
        #expect(predictor.samples.count == fit.bootstrapSucceeded)
        #expect(predictor.cPer6ND == 1)
        #expect(predictor.largestFittedC == rows.c.max())
        let loss = try predictor.loss(n: 3e9, d: 6e10)
        #expect(loss.estimate == fit.predictLoss(n: 3e9, d: 6e10))
        #expect(loss.contains(loss.estimate))
        let optimum = try predictor.computeOptimal(c: 1e22)
        let own = fit.computeOptimal(at: 1e22)
        #expect(optimum.loss.estimate == own.loss.estimate)
        #expect(optimum.nOpt == own.nOpt)
        #expect(optimum.dOpt == own.dOpt)
        #expect(optimum.nOpt.contains(optimum.nOpt.estimate))
        #expect(predictor.extrapolation(c: 1e22) == 1e22 / rows.c.max()!)
    }

    @Test func tableAccountingScalesTheBudget() throws {
        // A table whose C is 1.5 × 6ND: a budget in its units is solved along 6ND = C / 1.5.
        var rows = syntheticChinchillaRows(truth, count: 60, sigma: 0.01, seed: 2)
        rows.c = rows.c.map { $0 * 1.5 }
        let fit = try chinchilla()
        let predictor = fit.predictor(rows: rows, accounting: "C column")
        #expect(abs(predictor.cPer6ND - 1.5) < 1e-12)
        let optimum = try predictor.computeOptimal(c: 1.5e22)
        #expect(relativeError(optimum.nOpt.estimate, fit.point.computeOptimal(budget: 1e22).nOpt) < 1e-12)
        #expect(optimum.C == 1.5e22)
        #expect(predictor.compute(n: 1e9, d: 1e10) == 1.5 * 6e19)
    }

    @Test func fixedEKeepsItsValueAndChangesTheFit() throws {
        let free = try chinchilla()
        let fixed = try chinchilla(fixed: [ParameterFix(name: "E", value: 2.2)])
        #expect(fixed.point.E == 2.2)
        #expect(fixed.bootstrapSamples.allSatisfy { $0.E == 2.2 })
        #expect(fixed.parameters["E"] == ParameterEstimate(estimate: 2.2, fixed: true))
        #expect(fixed.parameters["A"]?.fixed == false)
        #expect(fixed.objective > free.objective)
        #expect(abs(fixed.point.alpha - free.point.alpha) > 1e-3)
        // The optimiser never saw E: the start grid lost its e axis (3 values).
        #expect(fixed.optimizer.starts * 3 == free.optimizer.starts)
        #expect(formatParameterTable(fixed.parameters)[1].contains("fixed (--fix)"))
    }

    @Test func fixErrorsNameTheParameter() throws {
        #expect(throws: FitError("--fix gamma: the chinchilla law has no parameter 'gamma'; its parameters: E, A, B, alpha, beta")) {
            try chinchilla(fixed: [ParameterFix(name: "gamma", value: 1)])
        }
        #expect(throws: FitError("--fix E=-1: must be positive")) { try chinchilla(fixed: [ParameterFix(name: "E", value: -1)]) }
        #expect(throws: FitError("--fix E: given twice")) {
            try chinchilla(fixed: [ParameterFix(name: "E", value: 1), ParameterFix(name: "E", value: 2)])
        }
    }

    @Test func kaplanAndIsoFLOPPredictorsEqualTheirLaws() throws {
        // Kaplan: rows from its own joint law.
        let joint = KaplanJointParameters(nC: 8.8e13, dC: 5.4e13, alphaN: 0.076, alphaD: 0.095)
        var n: [Double] = [], d: [Double] = [], loss: [Double] = []
        var noise = Noise(seed: 4)
        for i in 0..<30 {
            let size = 1e6 * pow(1000, Double(i % 6) / 5), tokens = size * (5 + Double(i))
            n.append(size); d.append(tokens); loss.append(joint.loss(n: size, d: tokens) * noise.factor(0.005))
        }
        let rows = ScalingRows(n: n, d: d, loss: loss)
        var options = KaplanOptions()
        options.bootstrap = BootstrapOptions(resamples: 30, seed: 1)
        let kaplan = try KaplanFit.fit(rows, options: options)
        let kp = try roundTrip(kaplan.predictor(rows: rows, accounting: "6ND"))
        #expect(try kp.loss(n: 2e9, d: 4e10).estimate == kaplan.joint.loss(n: 2e9, d: 4e10))
        #expect(kp.samples.count == kaplan.bootstrapSucceeded)
        let optimum = try kp.computeOptimal(c: 1e21)
        // The numerical optimum: no N along 6ND = C does better.
        for factor in [0.8, 1.25] {
            let other = optimum.nOpt.estimate * factor
            #expect(kaplan.joint.loss(n: other, d: 1e21 / (6 * other)) > optimum.loss.estimate)
        }

        // isoflop: the frontiers.
        var iso = IsoFLOPOptions()
        iso.bootstrap = BootstrapOptions(resamples: 40, seed: 1)
        iso.budgets = [1e21]
        var budgetNoise = Noise(seed: 5)
        let budgets = [1e17, 1e18, 1e19, 1e20].map { c -> IsoFLOPBudget in
            let nStar = 0.09 * pow(c, 0.52)
            let sizes = stride(from: -0.8, through: 0.81, by: 0.4).map { nStar * pow(10, $0) }
            return IsoFLOPBudget(C: c, n: sizes, loss: sizes.map { (2 + 30 * pow(c, -0.05) + 0.08 * pow(log($0 / nStar), 2)) * budgetNoise.factor(0.002) })
        }
        let fit = try IsoFLOPFit.fit(budgets, options: iso)
        let ip = try roundTrip(fit.predictor(accounting: "C column"))
        let at = try ip.computeOptimal(c: 1e21)
        #expect(relativeError(at.nOpt.estimate, fit.nFrontier.predict(1e21)) < 1e-12)
        #expect(relativeError(at.dOpt.estimate, fit.dFrontier.predict(1e21)) < 1e-12)
        #expect(relativeError(at.loss.estimate, fit.lossFrontier.predict(1e21)) < 1e-12)
        // Same draws, rounded differently (k·C^a vs exp(log k + a·log C)).
        #expect(maxRelativeDifference(try #require(at.nOpt.ci95), try #require(fit.computeOptimal[0].nOpt.ci95)) < 1e-12)
        #expect(at.loss.contains(at.loss.estimate))
        #expect(ip.largestFittedC == 1e20)
        #expect(throws: FitError.self) { try ip.loss(n: 1e9, d: 1e10) }
    }
}
