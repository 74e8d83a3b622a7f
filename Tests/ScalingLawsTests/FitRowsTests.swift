import Foundation
import ScalingLaws
import Testing

/// Which rows of a tuned / seeded results table a fit uses (synthetic tables).
@Suite struct FitRowsTests {
    /// Two points (p1, p2), two lrs each, two seeds each: runs, then a mean row per seed group.
    static let seeded = """
        run_id,N,D,C,val_loss,kind,point,tuned,tune_edge,val_loss_std,n_seeds
        p1-a-s1,1000,2e4,1.2e8,3.0,run,p1,1,,,
        p1-a-s2,1000,2e4,1.2e8,3.2,run,p1,1,,,
        p1-a,1000,2e4,1.2e8,3.1,mean,p1,1,low,0.1414,2
        p1-b-s1,1000,2e4,1.2e8,3.3,run,p1,0,,,
        p1-b-s2,1000,2e4,1.2e8,3.3,run,p1,0,,,
        p1-b,1000,2e4,1.2e8,3.3,mean,p1,0,,0,2
        p2-a-s1,2000,1e4,1.2e8,3.5,run,p2,0,,,
        p2-a-s2,2000,1e4,1.2e8,3.5,run,p2,0,,,
        p2-a,2000,1e4,1.2e8,3.5,mean,p2,0,,0,2
        p2-b-s1,2000,1e4,1.2e8,2.9,run,p2,1,,,
        p2-b-s2,2000,1e4,1.2e8,3.1,run,p2,1,,,
        p2-b,2000,1e4,1.2e8,3.0,mean,p2,1,,0.1414,2
        """

    func table(_ text: String) throws -> ResultsTable {
        ResultsTable(csv: try CSVTable.parse(text, source: "results.csv"))
    }

    @Test func theTunedSeedMeansAreFittedByDefault() throws {
        let (fit, selection) = try table(Self.seeded).selectingFitRows(allRows: false)
        #expect((0..<fit.rowCount).map(fit.runID) == ["p1-a", "p2-b"])
        let s = try #require(selection)
        #expect(s.fitted == 2 && s.runs == 8 && s.tuned && s.seedMeans && !s.allRows)
        #expect(s.edges == ["p1-a (low)"])
        #expect(s.summary == "fitted on 2 tuned seed means of 8 runs; 1 best value at a grid edge: p1-a (low)")
        let noise = try #require(s.seedNoise)
        #expect(noise.points == 2 && abs(noise.meanStd - 0.1414) < 1e-12)
        #expect(abs(noise.meanLogStd - (0.1414 / 3.1 + 0.1414 / 3.0) / 2) < 1e-12)
        #expect(try fit.parametersTokensLoss().loss == [3.1, 3.0])
    }

    @Test func allRowsFitsEveryRunAndNeverTheMeans() throws {
        let (fit, selection) = try table(Self.seeded).selectingFitRows(allRows: true)
        #expect(fit.rowCount == 8 && (0..<8).allSatisfy { !fit.runID($0).hasSuffix("-a") && !fit.runID($0).hasSuffix("-b") })
        let s = try #require(selection)
        #expect(!s.tuned && !s.seedMeans && s.allRows && s.edges.isEmpty)
        #expect(s.summary == "fitted on 8 run rows of 8 runs (--all-rows)")
        #expect(s.seedNoise?.points == 4)
        // Curves come from run directories: the tuned runs, not the means.
        let (curves, _) = try table(Self.seeded).selectingFitRows(allRows: false, curves: true)
        #expect((0..<curves.rowCount).map(curves.runID) == ["p1-a-s1", "p1-a-s2", "p2-b-s1", "p2-b-s2"])
    }

    @Test func tunedRunsWithoutSeedsAndPlainTablesPassThrough() throws {
        let tuned = """
            run_id,N,D,val_loss,kind,tuned,tune_edge
            a,1000,2e4,3.0,run,0,
            b,1000,2e4,2.9,run,1,high
            c,2000,1e4,2.8,run,1,
            """
        let (fit, selection) = try table(tuned).selectingFitRows(allRows: false)
        #expect((0..<fit.rowCount).map(fit.runID) == ["b", "c"])
        #expect(selection?.summary == "fitted on 2 tuned rows of 3 runs; 1 best value at a grid edge: b (high)")
        #expect(selection?.seedNoise == nil)
        // A table from a sweep without tune/seeds, and a paper's table: unchanged, no selection.
        for plain in ["run_id,N,D,val_loss,kind,tuned\na,1,2,3,run,\nb,1,2,3,run,", "N,D,loss\n1,2,3"] {
            let t = try table(plain)
            let (same, none) = t.selectingFitRows(allRows: false)
            #expect(none == nil && same.rowCount == t.rowCount)
        }
    }
}
