import Foundation
import Testing
import ScalingLaws

/// Gadre et al. (2024), "Language models scale reliably with over-training and on downstream
/// tasks": the shared-exponent law fitted on 5 small RedPajama runs predicts two large runs.
@Suite struct GadrePublishedTests {
    @Test func sharedExponentFitPredictsTheLargeRuns() throws {
        let table = try fixtureTable("gadre_rpj_c4eval_all.csv")
        let all = try table.parametersTokensLoss()
        // The paper's fit set: the four small models at M = 20 plus 11M at M = 320.
        let fitIDs: Set<String> = ["rpj-d=96_l=8_h=4-1.0", "rpj-d=96_l=8_h=4-16.0", "rpj-d=512_l=8_h=4-1.0",
                                   "rpj-d=576_l=24_h=8-1.0", "rpj-d=1024_l=24_h=8-1.0"]
        let pick = all.runIDs.indices.filter { fitIDs.contains(all.runIDs[$0]) }
        #expect(pick.count == 5)
        let rows = ScalingRows(runIDs: pick.map { all.runIDs[$0] }, n: pick.map { all.n[$0] }, d: pick.map { all.d[$0] },
                               loss: pick.map { all.loss[$0] })
        var options = ChinchillaOptions()
        options.sharedExponent = true
        let fit = try ChinchillaFit.fit(rows, options: options)
        for (id, published) in [("rpj-open_lm_1b-32.0", 0.007103), ("rpj-open_lm_7b-1.0", 0.007320)] {
            let i = try #require(all.runIDs.firstIndex(of: id))
            let error = relativeError(fit.predictLoss(n: all.n[i], d: all.d[i]), all.loss[i])
            #expect(error < 0.01, "\(id): \(error) (published \(published))")
        }
    }

    @Test func freeFitOnSmallModelsPredictsTheHeldOut1p4BRuns() throws {
        let table = try fixtureTable("gadre_rpj_c4eval_all.csv")
        let all = try table.parametersTokensLoss()
        let small = all.n.indices.filter { all.n[$0] <= 4.2e8 }
        let rows = ScalingRows(runIDs: small.map { all.runIDs[$0] }, n: small.map { all.n[$0] }, d: small.map { all.d[$0] },
                               loss: small.map { all.loss[$0] })
        let fit = try ChinchillaFit.fit(rows)
        for id in ["rpj-open_lm_1b-1.0", "rpj-open_lm_1b-32.0"] {
            let i = try #require(all.runIDs.firstIndex(of: id))
            #expect(relativeError(fit.predictLoss(n: all.n[i], d: all.d[i]), all.loss[i]) < 0.03, "\(id)")
        }
    }
}
