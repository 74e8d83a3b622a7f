import Foundation
import Testing
import ScalingLaws

@Suite struct ChinchillaSyntheticTests {
    let truth = ChinchillaParameters(E: 1.8, A: 400, B: 1500, alpha: 0.34, beta: 0.30)

    @Test func exactDataIsRecoveredTo1e4() throws {
        let rows = syntheticChinchillaRows(truth, count: 80, sigma: 0, seed: 1)
        var options = ChinchillaOptions()
        options.grid = smallChinchillaGrid
        let fit = try ChinchillaFit.fit(rows, options: options)
        for (name, expected) in [("E", truth.E), ("A", truth.A), ("B", truth.B), ("alpha", truth.alpha), ("beta", truth.beta)] {
            #expect(relativeError(fit.parameters[name]!.estimate, expected) < 1e-4, "\(name)")
        }
        #expect(fit.objective < 1e-12)
    }

    @Test func noisyDataTruthInsideBootstrapIntervals() throws {
        let rows = syntheticChinchillaRows(truth, count: 150, sigma: 0.01, seed: 2)
        var options = ChinchillaOptions()
        options.grid = smallChinchillaGrid
        options.bootstrap = BootstrapOptions(resamples: 200, seed: 7)
        options.budgets = [1e21]
        let fit = try ChinchillaFit.fit(rows, options: options)
        #expect(fit.bootstrapSucceeded == 200)
        for (name, expected) in [("E", truth.E), ("A", truth.A), ("B", truth.B), ("alpha", truth.alpha), ("beta", truth.beta)] {
            let p = try #require(fit.parameters[name])
            #expect(p.contains(expected), "\(name): \(expected) outside \(p.ci95 ?? [])")
            // Not absurdly narrow: the interval is wider than 0.1% of the estimate.
            #expect(p.ci95![1] - p.ci95![0] > 1e-3 * abs(p.estimate), "\(name)")
        }
        let a = try #require(fit.allocation["a"])
        #expect(a.contains(truth.allocationExponentN))
        let opt = try #require(fit.computeOptimal.first)
        let exact = truth.computeOptimal(budget: 1e21)
        #expect(opt.nOpt.contains(exact.nOpt))
    }

    @Test func sharedExponentRecoversTruth() throws {
        let shared = ChinchillaParameters(E: 1.5, A: 300, B: 900, alpha: 0.3, beta: 0.3)
        let rows = syntheticChinchillaRows(shared, count: 60, sigma: 0, seed: 3)
        var options = ChinchillaOptions()
        options.sharedExponent = true
        options.grid = smallChinchillaGrid
        let fit = try ChinchillaFit.fit(rows, options: options)
        #expect(fit.point.alpha == fit.point.beta)
        for (name, expected) in [("E", shared.E), ("A", shared.A), ("B", shared.B), ("alpha", shared.alpha)] {
            #expect(relativeError(fit.parameters[name]!.estimate, expected) < 1e-4, "\(name)")
        }
        #expect(fit.allocation["a"]!.estimate == 0.5)
    }

    @Test func computeOptimalFormulas() {
        let p = truth
        let c = 1e22
        let opt = p.computeOptimal(budget: c)
        #expect(abs(6 * opt.nOpt * opt.dOpt / c - 1) < 1e-12)
        // The allocation minimises loss along 6ND = C.
        for factor in [0.9, 1.1] {
            let n = opt.nOpt * factor
            #expect(p.loss(n: n, d: c / (6 * n)) > opt.loss)
        }
    }

    @Test func analyticGradientsMatchFiniteDifferences() {
        let rows = syntheticChinchillaRows(truth, count: 40, sigma: 0.02, seed: 4)
        for shared in [false, true] {
            let theta = shared ? [6.2, 7.0, 0.55, 0.32] : [6.2, 7.0, 0.55, 0.32, 0.29]
            let analytic = ChinchillaFit.objectiveAndGradient(rows, theta: theta, shared: shared).gradient
            let numeric = finiteDifferenceGradient(theta) { ChinchillaFit.objectiveAndGradient(rows, theta: $0, shared: shared).value }
            #expect(maxRelativeDifference(analytic, numeric, floor: 1e-6) < 1e-5, "shared \(shared): \(analytic) vs \(numeric)")
        }
    }

    @Test func resultsDoNotDependOnThreadCount() throws {
        let rows = syntheticChinchillaRows(truth, count: 60, sigma: 0.01, seed: 5)
        var options = ChinchillaOptions()
        options.grid = smallChinchillaGrid
        options.bootstrap = BootstrapOptions(resamples: 24, seed: 3)
        options.threads = 1
        let one = try ChinchillaFit.fit(rows, options: options)
        options.threads = 3
        let three = try ChinchillaFit.fit(rows, options: options)
        #expect(one.parameters == three.parameters)
    }
}
