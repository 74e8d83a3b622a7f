import Foundation
import Testing
import ScalingLaws

/// Besiroglu et al. (2024), "Chinchilla Scaling: A replication attempt" (arXiv:2404.10102),
/// fitted on the 240 runs of Hoffmann et al.'s Figure 4 they kept.
@Suite struct ChinchillaPublishedTests {
    static let epoch = ChinchillaParameters(E: 1.82, A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658)

    @Test func replicationEstimatesAreReproduced() throws {
        let rows = try fixtureTable("chinchilla_replication240.csv").parametersTokensLoss()
        #expect(rows.count == 240)
        #expect(rows.lossColumn == "loss")  // val_loss is empty in this table
        var options = ChinchillaOptions()
        options.bootstrap = BootstrapOptions(resamples: 100, seed: 1)
        let fit = try ChinchillaFit.fit(rows, options: options)
        let p = fit.point
        // The published values are rounded (E to 3 digits); B is the least determined.
        #expect(relativeError(p.E, Self.epoch.E) < 0.01)
        #expect(relativeError(p.A, Self.epoch.A) < 0.03)
        #expect(relativeError(p.B, Self.epoch.B) < 0.05)
        #expect(relativeError(p.alpha, Self.epoch.alpha) < 0.01)
        #expect(relativeError(p.beta, Self.epoch.beta) < 0.01)
        // Our optimum is at least as good as the published point on the same objective.
        #expect(fit.objective <= ChinchillaFit.objectiveValue(rows, Self.epoch))
        for (name, value) in [("E", Self.epoch.E), ("A", Self.epoch.A), ("B", Self.epoch.B), ("alpha", Self.epoch.alpha), ("beta", Self.epoch.beta)] {
            #expect(fit.parameters[name]!.contains(value), "\(name)")
        }
        // The replication's headline: about 20 tokens per parameter, a ≈ b ≈ 0.5.
        let a = fit.allocation["a"]!.estimate
        #expect(abs(a - 0.5) < 0.03)
    }

    @Test func startAtHoffmannValuesIsNotReturnedUnchanged() throws {
        let rows = try fixtureTable("chinchilla_replication240.csv").parametersTokensLoss()
        let start = ChinchillaParameters.hoffmann
        let (refined, objective, run) = try ChinchillaFit.refine(rows, from: start)
        let startObjective = ChinchillaFit.objectiveValue(rows, start)
        #expect(run.iterations > 10)
        #expect(objective < 0.5 * startObjective, "\(objective) vs start \(startObjective)")
        #expect(relativeError(refined.B, start.B) > 0.5)
        #expect(abs(refined.beta - start.beta) > 0.03)
    }
}
