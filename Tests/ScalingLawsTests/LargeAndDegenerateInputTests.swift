import Foundation
import Testing
import ScalingLaws

/// Fitter inputs at the edges (issue 17): large tables take bounded work, and rows that cannot
/// determine a law say so instead of returning numbers that look like results.
@Suite struct LargeAndDegenerateInputTests {
    let truth = ChinchillaParameters(E: 1.8, A: 400, B: 1500, alpha: 0.34, beta: 0.30)

    /// Above 2,000 rows the grid is screened on a subsample; the estimate must still be the full
    /// data's optimum.
    @Test func aLargeTableScreenedOnASubsampleStillRecoversTheTruth() throws {
        let rows = syntheticChinchillaRows(truth, count: 6_000, sigma: 0, seed: 11)
        var options = ChinchillaOptions()
        options.grid = smallChinchillaGrid
        let fit = try ChinchillaFit.fit(rows, options: options)
        for (name, expected) in [("E", truth.E), ("A", truth.A), ("B", truth.B), ("alpha", truth.alpha), ("beta", truth.beta)] {
            #expect(relativeError(fit.parameters[name]!.estimate, expected) < 1e-4, "\(name)")
        }
        #expect(fit.warnings.isEmpty, "\(fit.warnings)")
    }

    @Test func rowsWithoutSpreadAreWarnedAbout() throws {
        var options = ChinchillaOptions()
        options.grid = smallChinchillaGrid
        let identical = ScalingRows(n: Array(repeating: 1e8, count: 50), d: Array(repeating: 2e9, count: 50),
                                    loss: Array(repeating: 3.1, count: 50))
        let same = try ChinchillaFit.fit(identical, options: options)
        #expect(same.warnings.contains { $0.hasPrefix("all 50 rows have the same N = 1e+08 and D = 2e+09: no law in N and D can be fitted") }, "\(same.warnings)")

        let varied = syntheticChinchillaRows(truth, count: 40, sigma: 0, seed: 5)
        let oneSize = ScalingRows(n: Array(repeating: 1e8, count: 40), d: varied.d,
                                  loss: varied.d.map { truth.loss(n: 1e8, d: $0) })
        let fixedN = try ChinchillaFit.fit(oneSize, options: options)
        #expect(fixedN.warnings.contains { $0.hasPrefix("every row has N = 1e+08: the N exponent and coefficient are not determined") }, "\(fixedN.warnings)")
        #expect(try ChinchillaFit.fit(varied, options: options).warnings.isEmpty)
    }
}
