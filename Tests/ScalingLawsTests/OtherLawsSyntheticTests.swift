import Foundation
import Testing
import ScalingLaws

@Suite struct PowerLawTests {
    @Test func exactDataRecoveredTo1e4() throws {
        let x = (0..<30).map { 1e6 * pow(1e4, Double($0) / 29) }
        let y = x.map { 2.1 + 55 * pow($0, -0.3) }
        let fit = try PowerLawFit.fit(x: x, y: y)
        #expect(relativeError(fit.point.E, 2.1) < 1e-4)
        #expect(relativeError(fit.point.A, 55) < 1e-4)
        #expect(relativeError(fit.point.alpha, 0.3) < 1e-4)
    }

    @Test func noisyTruthInsideIntervalAndNoOffsetVariant() throws {
        var noise = Noise(seed: 9)
        let x = (0..<60).map { 1e6 * pow(1e4, Double($0) / 59) }
        let y = x.map { (2.1 + 55 * pow($0, -0.3)) * noise.factor(0.005) }
        var options = PowerLawOptions()
        options.bootstrap = BootstrapOptions(resamples: 200, seed: 2)
        let fit = try PowerLawFit.fit(x: x, y: y, options: options)
        #expect(fit.parameters["E"]!.contains(2.1), "\(fit.parameters["E"]!)")
        #expect(fit.parameters["A"]!.contains(55), "\(fit.parameters["A"]!)")
        #expect(fit.parameters["alpha"]!.contains(0.3), "\(fit.parameters["alpha"]!)")
        #expect(fit.band(at: 1e8) != nil)

        var plain = PowerLawOptions()
        plain.offset = false
        let pure = try PowerLawFit.fit(x: x, y: x.map { 7 * pow($0, -0.2) }, options: plain)
        #expect(relativeError(pure.point.A, 7) < 1e-6 && relativeError(pure.point.alpha, 0.2) < 1e-6)
        #expect(pure.parameters["E"] == nil)
    }

    @Test func gradientMatchesFiniteDifferences() {
        let x = (0..<20).map { 1e3 * Double($0 + 1) }
        let target = x.map { log(1.5 + 30 * pow($0, -0.4)) + 0.0015 * sin(Double($0)) }
        let objective = LogSumExpObjective(dimension: 3, terms: [
            LogSumExpTerm(coefficient: 0, exponent: 1, feature: x.map { log($0) }),
            LogSumExpTerm(coefficient: 2, exponent: nil, feature: []),
        ], target: target, loss: .huber(delta: 1e-3))
        let theta = [3.3, 0.38, 0.42]
        var g = [0.0, 0, 0]
        _ = objective.evaluate(theta, gradient: &g)
        let numeric = finiteDifferenceGradient(theta) { t in var h = [0.0, 0, 0]; return objective.evaluate(t, gradient: &h) }
        #expect(maxRelativeDifference(g, numeric, floor: 1e-6) < 1e-5, "\(g) vs \(numeric)")
    }
}

@Suite struct KaplanTests {
    @Test func jointLawRecoveredTo1e4AndGradient() throws {
        let truth = KaplanJointParameters(nC: 8.8e13, dC: 5.4e13, alphaN: 0.076, alphaD: 0.095)
        var noise = Noise(seed: 4)
        var n: [Double] = [], d: [Double] = [], loss: [Double] = []
        for _ in 0..<60 {
            let size = exp(noise.uniform(log(1e6), log(1e9))), tokens = exp(noise.uniform(log(1e8), log(1e11)))
            n.append(size); d.append(tokens); loss.append(truth.loss(n: size, d: tokens))
        }
        let fit = try KaplanFit.fit(ScalingRows(n: n, d: d, loss: loss))
        #expect(relativeError(fit.joint.alphaN, truth.alphaN) < 1e-4)
        #expect(relativeError(fit.joint.alphaD, truth.alphaD) < 1e-4)
        #expect(relativeError(fit.joint.nC, truth.nC) < 1e-3)  // log N_c to 1e-4 relative…
        #expect(relativeError(log(fit.joint.nC), log(truth.nC)) < 1e-4)
        #expect(relativeError(log(fit.joint.dC), log(truth.dC)) < 1e-4)

        let theta = [log(5e13), log(3e13), 0.08, 0.1]
        let rows = ScalingRows(n: n, d: d, loss: loss.map { $0 * 1.01 })
        let analytic = KaplanFit.jointObjectiveAndGradient(rows, theta: theta).gradient
        let numeric = finiteDifferenceGradient(theta) { KaplanFit.jointObjectiveAndGradient(rows, theta: $0).value }
        #expect(maxRelativeDifference(analytic, numeric, floor: 1e-7) < 1e-5, "\(analytic) vs \(numeric)")
    }

    @Test func singleVariableLawsOnTheirOwnRows() throws {
        // L(N): the lowest loss per N follows (N_c/N)^α_N exactly; other rows of the same N are worse.
        let sizes = (0..<8).map { 1e6 * pow(10, Double($0) / 2) }
        var n: [Double] = [], d: [Double] = [], loss: [Double] = []
        var noise = Noise(seed: 5)
        for size in sizes {
            let best = pow(8.8e13 / size, 0.076)
            for extra in [0.0, 0.1, 0.3] {
                n.append(size); d.append(exp(noise.uniform(log(1e9), log(1e10)))); loss.append(best + extra)
            }
        }
        var options = KaplanOptions()
        options.bootstrap = BootstrapOptions(resamples: 50, seed: 1)
        let fit = try KaplanFit.fit(ScalingRows(n: n, d: d, loss: loss), options: options)
        #expect(relativeError(fit.lossOfN.exponent.estimate, 0.076) < 1e-6)
        #expect(relativeError(fit.lossOfN.scale.estimate, 8.8e13) < 1e-4)
        #expect(fit.lossOfN.points.count == 8)
        #expect(fit.lossOfC.points.count >= 2)
        #expect(fit.parameters["alpha_C"] != nil)
    }
}

@Suite struct MoETests {
    func rows(_ loss: (Double, Double, Double, Double) -> Double) -> MoERows {
        var nTotal: [Double] = [], nActive: [Double] = [], d: [Double] = [], experts: [Double] = [], l: [Double] = []
        var noise = Noise(seed: 11)
        for active in [2e7, 5e7, 1e8, 3e8, 1e9] {
            for e in [1.0, 4, 8, 16, 64, 128] {
                let tokens = exp(noise.uniform(log(2e9), log(3e10)))
                let total = e == 1 ? active : active * (0.3 + 0.7 * e / 2)  // top-2 routing: shared + expert params
                nTotal.append(total); nActive.append(active); d.append(tokens); experts.append(e)
                l.append(loss(active, total, tokens, e))
            }
        }
        return MoERows(nTotal: nTotal, nActive: nActive, d: d, experts: experts, loss: l)
    }

    @Test func clarkPlainAndSaturatingRecovered() throws {
        let plain = ClarkParameters(a: -0.08, b: -0.05, c: 0.002, d: 2.6, expertStart: nil, expertMax: nil)
        let fit = try MoEFit.fit(rows { na, _, _, e in plain.loss(nActive: na, experts: e) })
        for (got, want) in [(fit.clark.a, plain.a), (fit.clark.b, plain.b), (fit.clark.c, plain.c), (fit.clark.d, plain.d)] {
            #expect(relativeError(got, want) < 1e-4)
        }
        #expect(fit.clarkQuality.rmsLogResidual < 1e-6)

        let saturating = ClarkParameters(a: -0.08, b: -0.05, c: 0.002, d: 2.6, expertStart: 2, expertMax: 90)
        var options = MoEOptions()
        options.expertTransform = .fittedSaturating
        let fitted = try MoEFit.fit(rows { na, _, _, e in saturating.loss(nActive: na, experts: e) }, options: options)
        #expect(relativeError(fitted.clark.b, saturating.b) < 1e-3, "\(fitted.clark)")
        #expect(relativeError(fitted.clark.expertMax!, 90) < 1e-2, "\(fitted.clark)")
        #expect(fitted.clarkQuality.rmsLogResidual < 1e-6)
    }

    @Test func chinchillaMoERecovered() throws {
        let truth = ChinchillaMoEParameters(E: 1.7, A: 300, B: 600, alpha: 0.33, beta: 0.3, F: 0.2, gamma: 0.5)
        let fit = try MoEFit.fit(rows { na, nt, d, _ in truth.loss(nActive: na, nTotal: nt, d: d) })
        let p = fit.chinchillaMoE
        for (got, want) in [(p.E, truth.E), (p.A, truth.A), (p.B, truth.B), (p.alpha, truth.alpha), (p.beta, truth.beta), (p.F, truth.F), (p.gamma, truth.gamma)] {
            #expect(relativeError(got, want) < 1e-4, "\(p)")
        }
        // The comparison table exists for both laws.
        #expect(fit.chinchillaMoEQuality.rmsLogResidual < fit.clarkQuality.rmsLogResidual)
        #expect(fit.warnings.isEmpty, "\(fit.warnings)")
    }

    /// Two active sizes cannot pin A/N_active^alpha: the fit says so, and its residuals stay
    /// finite even when the term runs off to a degenerate limit.
    @Test func chinchillaMoEWarnsWhatTwoSizesCannotIdentify() throws {
        let truth = ChinchillaMoEParameters(E: 1.7, A: 300, B: 600, alpha: 0.33, beta: 0.3, F: 0.2, gamma: 0.5)
        var r = rows { na, nt, d, _ in truth.loss(nActive: na, nTotal: nt, d: d) }
        let keep = r.nActive.indices.filter { r.nActive[$0] == 2e7 || r.nActive[$0] == 2.1e7 || r.nActive[$0] == 1e9 }
        r = MoERows(nTotal: keep.map { r.nTotal[$0] }, nActive: keep.map { r.nActive[$0] }, d: keep.map { r.d[$0] },
                    experts: keep.map { r.experts[$0] }, loss: keep.map { r.loss[$0] })
        let fit = try MoEFit.fit(r)
        #expect(fit.warnings.contains { $0.contains("N_active takes 2 distinct value(s)") && $0.contains("A/N_active^alpha") }, "\(fit.warnings)")
        #expect(!fit.warnings.contains { $0.contains("D takes") })
        #expect(fit.chinchillaMoEResiduals.allSatisfy { $0.predicted.isFinite })
        #expect(fit.chinchillaMoEQuality.rmsLogResidual < 1e-3)
    }

    @Test func clarkGradientMatchesFiniteDifferences() {
        let data = rows { na, _, _, e in exp(-0.08 * log(na) - 0.04 * log(e) + 2.6) * 1.01 }
        let objective = ClarkObjective(logN: data.nActive.map { log($0) }, experts: data.experts,
                                       target: data.loss.map { log($0) }, transform: .fittedSaturating)
        let theta = [-0.07, -0.05, 0.001, 2.5, log(1.5), log(80)]
        var g = Array(repeating: 0.0, count: 6)
        _ = objective.evaluate(theta, gradient: &g)
        let numeric = finiteDifferenceGradient(theta) { t in var h = Array(repeating: 0.0, count: 6); return objective.evaluate(t, gradient: &h) }
        #expect(maxRelativeDifference(g, numeric, floor: 1e-7) < 1e-5, "\(g) vs \(numeric)")
    }
}
