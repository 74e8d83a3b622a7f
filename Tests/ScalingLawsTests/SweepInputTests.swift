import Foundation
import RunSchema
import ScalingLaws
import Testing

/// Fitting a sweep directory (results.csv + runs/<id>/metrics.jsonl) as the sweep writes it.
@Suite struct SweepInputTests {
    /// A sweep of eight sizes whose loss curves follow a Chinchilla law, written with the
    /// trainer's metrics writer; the largest run is cut short mid-line, as while it is running.
    func writeSweep(truncatingLastLineOf partialRun: Int?) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-input-\(UUID().uuidString)")
        let sweep = SweepFiles(dir)
        let truth = ChinchillaParameters(E: 1.7, A: 400, B: 400, alpha: 0.34, beta: 0.28)
        var csv = "run_id,N,D,C,loss\n"
        for i in 0..<8 {
            let id = "r\(i)", n = 1e7 * pow(1e3, Double(i) / 7)
            let run = sweep.files(id)
            try FileManager.default.createDirectory(at: run.directory, withIntermediateDirectories: true)
            do {
                let writer = try MetricsWriter(run.metrics)
                for step in 1...40 {
                    let tokens = n * 400 * pow(10, Double(step - 40) / 13)
                    try writer.append(["step": step, "tokens": tokens, "flops": 6 * n * tokens, "lr": 1e-3,
                                       "loss": truth.loss(n: n, d: tokens)])
                }
            }
            let final = n * 400
            csv += "\(id),\(n),\(final),\(6 * n * final),\(truth.loss(n: n, d: final))\n"
            if i == partialRun {
                let handle = try FileHandle(forWritingTo: run.metrics)
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(#"{"flops":1.2e17,"lo"#.utf8))
                try handle.close()
            }
        }
        try csv.write(to: sweep.resultsCSV, atomically: true, encoding: .utf8)
        return dir
    }

    @Test func aSweepCanBeFittedWhileARunIsMidWrite() throws {
        let dir = try writeSweep(truncatingLastLineOf: 5)
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = try ResultsTable.read(contentsOf: SweepFiles(dir).resultsCSV)
        let curves = try LossCurveSet.readSweep(dir, table: table)
        #expect(curves.curves.count == 8)
        #expect(curves.curves.map(\.skippedLines) == [0, 0, 0, 0, 0, 1, 0, 0])
        #expect(curves.curves[5].step.count == 40)  // every complete line is read
        #expect(curves.warnings.contains { $0.contains("in 1 run(s): r5 (1)") }, "\(curves.warnings)")
        let fit = try EnvelopeFit.fit(curves)
        #expect(fit.warnings.contains { $0.contains("r5 (1)") })
        #expect(fit.nFrontier.exponent.estimate > 0)
    }

    @Test func aCompleteSweepHasNoSkippedLines() throws {
        let dir = try writeSweep(truncatingLastLineOf: nil)
        defer { try? FileManager.default.removeItem(at: dir) }
        let curves = try LossCurveSet.readSweep(dir, table: try ResultsTable.read(contentsOf: SweepFiles(dir).resultsCSV))
        #expect(curves.curves.allSatisfy { $0.skippedLines == 0 } && curves.warnings.isEmpty)
    }

    /// A WSD branch logs only its cooldown (steps 81…100 here); its curve for the schedule laws
    /// starts with its stable run's steps 1…80, so the rates are known from step 1.
    @Test func aBranchCurveContinuesItsStableRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-branch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sweep = SweepFiles(dir)
        func log(_ id: String, _ steps: ClosedRange<Int>, lr: (Int) -> Double) throws {
            try FileManager.default.createDirectory(at: sweep.files(id).directory, withIntermediateDirectories: true)
            let writer = try MetricsWriter(sweep.files(id).metrics)
            for step in steps where step % 10 == 0 || step == steps.lowerBound {
                try writer.append(["step": step, "tokens": step * 100, "lr": lr(step), "loss": 3 - Double(step) / 100])
            }
        }
        try log("stable", 1...80) { _ in 1e-3 }
        try log("branch", 81...100) { 1e-3 * Double(100 - $0) / 20 }
        try "run_id,N,D,C,loss,schedule,branch_of\nstable,1000,8000,1,2.2,constant,\nbranch,1000,10000,1,2.0,wsd,stable\n"
            .write(to: sweep.resultsCSV, atomically: true, encoding: .utf8)
        let curves = try LossCurveSet.readSweep(dir, table: try ResultsTable.read(contentsOf: sweep.resultsCSV))
        let branch = try #require(curves.curves.first { $0.runID == "branch" })
        #expect(branch.step == [1, 10, 20, 30, 40, 50, 60, 70, 80, 81, 90, 100])
        #expect(branch.lr.first == 1e-3 && branch.lr.last == 0 && branch.schedule == "wsd")
        #expect(curves.curves.first { $0.runID == "stable" }?.step.last == 80)
        // Without its stable run's log the branch is left out with a warning, not fitted half-known.
        try FileManager.default.removeItem(at: sweep.files("stable").metrics)
        let orphan = try LossCurveSet.readSweep(dir, table: try ResultsTable.read(contentsOf: sweep.resultsCSV))
        #expect(orphan.curves.isEmpty && orphan.warnings.contains { $0.contains("stable (stable run of branch)") }, "\(orphan.warnings)")
    }
}
