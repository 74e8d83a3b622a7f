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
}
