import Foundation
import Testing
import ScalingLaws

/// Porian et al. (2024), "Resolving Discrepancies in Compute-Optimal Scaling of Language
/// Models": isoFLOP points and their published exponents and per-budget optima.
@Suite struct IsoFLOPPublishedTests {
    static let rwTuned = "porian_rw_tuned_short_const_standard_val.csv"

    @Test func tunedRefinedWebExponentAndOptima() throws {
        var options = IsoFLOPOptions()
        options.bootstrap = BootstrapOptions(resamples: 200, seed: 1)
        let fit = try IsoFLOPFit.fit(try fixtureTable(Self.rwTuned), options: options)
        let a = fit.nFrontier.exponent.estimate
        #expect(a >= 0.48 && a <= 0.52, "a = \(a)")
        #expect(abs(fit.dFrontier.exponent.estimate - (1 - a)) < 1e-6)  // D = C/(6N) exactly here
        #expect(fit.budgets.filter(\.used).count == 12)
        // Published a = 0.497 lies in our bootstrap interval.
        #expect(fit.nFrontier.exponent.contains(0.497), "\(fit.nFrontier.exponent)")

        // Per-budget N* within ±15% of the published bootstrap medians.
        let published = try CSVTable.read(contentsOf: try fixtureURL("porian_published_optima_tuned.csv"))
        let config = published.columnIndex("config_id")!, flops = published.columnIndex("flops")!, nOpt = published.columnIndex("N_opt")!
        var compared = 0
        for row in published.rows where row[config] == "rw|tuned|short|const|standard|val" && !row[nOpt].isEmpty {
            let c = Double(row[flops])!, expected = Double(row[nOpt])!
            let budget = try #require(fit.budgets.first { abs($0.C / c - 1) < 1e-6 })
            let ours = try #require(budget.nOpt?.estimate)
            #expect(relativeError(ours, expected) < 0.15, "C=\(c): N* \(ours) vs published \(expected)")
            compared += 1
        }
        #expect(compared == 12)
    }

    @Test func tunedOpenWebText2Exponent() throws {
        let fit = try IsoFLOPFit.fit(try fixtureTable("porian_owt2_tuned_short_const_standard_val.csv"))
        let a = fit.nFrontier.exponent.estimate
        #expect(a >= 0.49 && a <= 0.54, "a = \(a)")
    }

    /// Kaplan-like long warmup > short warmup > cosine decay > tuned, as in Porian et al. Table 1.
    @Test func refinedWebConfigurationsKeepThePublishedOrder() throws {
        let files = ["porian_rw_base_long_kaplan_standard_val.csv", "porian_rw_base_short_kaplan_standard_val.csv",
                     "porian_rw_base_short_chinchilla_standard_val.csv", Self.rwTuned]
        let exponents = try files.map { try IsoFLOPFit.fit(try fixtureTable($0)).nFrontier.exponent.estimate }
        #expect(exponents == exponents.sorted(by: >), "\(exponents)")
        // Published 0.706, 0.602, 0.571, 0.497: each within 0.03.
        for (ours, published) in zip(exponents, [0.706, 0.602, 0.571, 0.497]) {
            #expect(abs(ours - published) < 0.03, "\(ours) vs \(published)")
        }
    }

    @Test func edgeBudgetsAreSkippedWithAWarning() throws {
        // The long-warmup configuration has budgets whose lowest loss is at the largest size.
        let fit = try IsoFLOPFit.fit(try fixtureTable("porian_rw_base_long_kaplan_standard_val.csv"))
        let skipped = fit.budgets.filter { !$0.used }
        #expect(!skipped.isEmpty)
        #expect(fit.warnings.contains { $0.contains("not bracketed") })
        var keep = IsoFLOPOptions()
        keep.skipEdgeMinima = false
        let kept = try IsoFLOPFit.fit(try fixtureTable("porian_rw_base_long_kaplan_standard_val.csv"), options: keep)
        #expect(kept.budgets.filter(\.used).count > fit.budgets.filter(\.used).count)
    }
}
