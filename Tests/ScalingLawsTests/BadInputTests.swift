import Foundation
import Testing
import ScalingLaws

/// Bad input fails with one clear line naming the row, column or budget.
@Suite struct BadInputTests {
    func table(_ text: String, columns: ColumnNames = ColumnNames()) throws -> ResultsTable {
        ResultsTable(csv: try CSVTable.parse(text, source: "runs.csv"), columns: columns)
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body() } catch let error as FitError { return error.message } catch { return "\(error)" }
        return "no error"
    }

    static let header = "run_id,N,D,loss\n"

    @Test func fewerRowsThanParameters() throws {
        let t = try table(Self.header + "a,1e7,1e9,4.0\nb,1e8,1e9,3.5\nc,1e9,1e10,3.0\nd,1e8,1e10,3.2\n")
        let m = message { _ = try ChinchillaFit.fit(try t.parametersTokensLoss()) }
        #expect(m == "chinchilla: 4 rows for 5 parameters; need at least 6")
    }

    @Test func nonPositiveValueNamesTheRow() throws {
        let t = try table(Self.header + "a,1e7,1e9,4.0\nb,-5,1e9,3.5\n")
        #expect(message { _ = try t.parametersTokensLoss() } == "runs.csv row 2 (run_id b): N = -5.0 is not positive")
        let zeroLoss = try table(Self.header + "a,1e7,1e9,0\n")
        #expect(message { _ = try zeroLoss.parametersTokensLoss() } == "runs.csv row 1 (run_id a): loss = 0.0 is not positive")
    }

    @Test func nanNamesTheRow() throws {
        let t = try table(Self.header + "a,1e7,1e9,4.0\nb,1e8,1e9,nan\n")
        #expect(message { _ = try t.parametersTokensLoss() } == "runs.csv row 2 (run_id b): loss is NaN")
        let text = try table(Self.header + "a,1e7,1e9,four\n")
        #expect(message { _ = try text.parametersTokensLoss() } == "runs.csv row 1 (run_id a): loss = 'four' is not a number")
    }

    @Test func missingColumnListsTheAvailableOnes() throws {
        let t = try table("run_id,params,D,loss\na,1e7,1e9,4.0\n")
        let m = message { _ = try t.parametersTokensLoss() }
        #expect(m == "runs.csv: no column 'N' (parameter count N; choose another with --n-col); available columns: run_id, params, D, loss")
        var columns = ColumnNames()
        columns.n = "params"
        #expect(try table("run_id,params,D,loss\na,1e7,1e9,4.0\n", columns: columns).parametersTokensLoss().n == [1e7])
        var loss = ColumnNames()
        loss.loss = "loss_c4_val"
        #expect(message { _ = try table(Self.header + "a,1e7,1e9,4\n", columns: loss).parametersTokensLoss() }
            == "runs.csv: no column 'loss_c4_val' (the loss column); available columns: run_id, N, D, loss")
    }

    @Test func isoFLOPBudgetWithFewerThanThreeSizes() throws {
        let t = try table("run_id,N,D,C,loss\n"
            + "a,1e7,1.6667e10,1e18,3.1\nb,2e7,8.3333e9,1e18,3.0\nc,4e7,4.1667e9,1e18,3.05\n"
            + "d,1e8,1.6667e10,1e19,2.8\ne,2e8,8.3333e9,1e19,2.7\n")
        let m = message { _ = try IsoFLOPFit.fit(t) }
        #expect(m == "isoflop: budget C=1e+19 has 2 distinct model size(s) (d, e); a parabola needs at least 3")
    }

    @Test func emptyLossCellsAreSkippedWithAWarning() throws {
        let t = try table("run_id,N,D,loss,val_loss\na,1e7,1e9,4.0,4.1\nb,1e8,1e9,3.5,\nc,1e9,1e10,3.0,3.1\n")
        let rows = try t.parametersTokensLoss()
        #expect(rows.lossColumn == "val_loss")
        #expect(rows.runIDs == ["a", "c"])
        #expect(rows.warnings == ["skipped 1 row(s) with an empty val_loss: b"])
    }

    @Test func csvQuotingAndRaggedRows() throws {
        let t = try CSVTable.parse("run_id,note,N\r\n\"r,1\",\"say \"\"hi\"\"\n next\",5\r\n\r\n", source: "q.csv")
        #expect(t.rows == [["r,1", "say \"hi\"\n next", "5"]])
        #expect(message { _ = try CSVTable.parse("a,b\n1,2,3\n", source: "x.csv") } == "x.csv line 2: 3 fields, the header has 2")
        #expect(message { _ = try CSVTable.parse("a,b\n\"1,2\n", source: "x.csv") } == "x.csv line 2: a quoted field is never closed")
    }

    @Test func scheduleAndEnvelopeInputErrors() throws {
        let curve = LossCurve(runID: "r1", step: [1, 2], flops: [1e12, 2e12], loss: [3, 2.9])
        #expect(message { _ = try EnvelopeFit.fit(LossCurveSet(curves: [curve])) }
            == "envelope: run r1 has no parameter count N (give an N column in the results table or the curve file)")
        #expect(message { _ = try ScheduleCurve(curve) } == "schedule: run r1 has no logged learning rates (lr)")
    }
}
