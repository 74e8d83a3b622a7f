import Foundation
import RunSchema
import Testing

/// The one metrics.jsonl reader and writer, and the policy for a half-written last line.
@Suite struct MetricsFileTests {
    func temporaryFile(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runschema-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(RunFiles.metricsFileName)
    }

    @Test func writerAppendsSortedKeyLinesTheReaderParses() throws {
        let url = try temporaryFile("write")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        do {
            let writer = try MetricsWriter(url)
            for step in 1...3 {
                try writer.append(["step": step, "loss": 4.0 / Double(step), "tokens": Double(step * 256),
                                   "moe": [["layer": 0, "load": [0.5, 0.5]]]])
            }
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasPrefix(#"{"loss":4,"moe":[{"layer":0,"load":[0.5,0.5]}],"step":1,"tokens":256}"#))
        let file = try MetricsFile.read(url)
        #expect(file.records.map(\.step) == [1, 2, 3] && file.skippedLines == 0 && file.lastStep == 3)
        #expect(file.records[1]["loss"] == 2 && file.records[1]["tokens"] == 512)
        #expect(file.records[0].numbers["moe"] == nil)  // nested stats are not numbers
    }

    @Test func aCutShortLastLineIsSkippedAndCounted() throws {
        let url = try temporaryFile("partial")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Data("{\"step\":1,\"loss\":3}\n\n{\"step\":2,\"loss\":2.5}\n{\"step\":3,\"lo".utf8).write(to: url)
        let file = try MetricsFile.read(url)
        #expect(file.records.map(\.step) == [1, 2])
        #expect(file.records.map(\.lineNumber) == [1, 3])  // the blank line is ignored, not counted
        #expect(file.skippedLines == 1)
        #expect(file.lastStep == 2)
    }

    @Test func truncateKeepsCompleteLinesUpToTheStep() throws {
        let url = try temporaryFile("truncate")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Data("{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n{\"ste".utf8).write(to: url)
        try MetricsWriter.truncate(url, afterStep: 2)
        #expect(try String(contentsOf: url, encoding: .utf8) == "{\"step\":1}\n{\"step\":2}\n")
        // Appending after a truncation continues the file.
        try MetricsWriter(url).append(["step": 3])
        #expect(try MetricsFile.read(url).records.map(\.step) == [1, 2, 3])
        // A missing file is left alone.
        try MetricsWriter.truncate(url.deletingLastPathComponent().appendingPathComponent("none.jsonl"), afterStep: 1)
    }

    @Test func unreadableFileThrows() {
        #expect(throws: (any Error).self) { try MetricsFile.read(URL(fileURLWithPath: "/nonexistent/metrics.jsonl")) }
    }

    @Test func layoutNamesEachFileOnce() {
        let sweep = SweepFiles(URL(fileURLWithPath: "/s"))
        #expect(sweep.resultsCSV.path == "/s/results.csv")
        #expect(sweep.files("r1").metrics.path == "/s/runs/r1/metrics.jsonl")
        #expect(sweep.files("r1").summary.path == "/s/runs/r1/summary.json")
        #expect(sweep.statusFile("r1").path == "/s/runs/r1/status.json")
        #expect(ResultsColumns.all.prefix(13) == ["run_id", "N", "N_nonembed", "N_active", "D", "C", "loss", "val_loss",
                                                  "schedule", "experts", "top_k", "d_model", "n_layer"])
    }
}
