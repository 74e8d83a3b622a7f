import CommandTestSupport
import Foundation
import Testing

/// `plot curves --match/--exclude`: a sweep of many runs charted a subset at a time (one model's
/// stable run, branches and cosine runs), selected by run id.
@Suite struct PlotCurvesCommandTests {
    func sweep(in dir: URL, ids: [String]) throws {
        for (i, id) in ids.enumerated() {
            let run = dir.appendingPathComponent("runs/\(id)")
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            let lines = (1...4).map { #"{"step": \#($0), "tokens": \#($0 * 100), "loss": \#(3.0 - Double($0) * 0.1 - Double(i) * 0.01)}"# }
            try (lines.joined(separator: "\n") + "\n").write(to: run.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        }
    }

    @Test func matchAndExcludeSelectRunsById() throws {
        let dir = try temporaryDirectory("cli-curves")
        defer { try? FileManager.default.removeItem(at: dir) }
        try sweep(in: dir, ids: ["d48-seed1-stable", "d48-seed1-wsd-t1e6", "d48-seed2-stable", "d96-seed1-stable"])
        let svg = dir.appendingPathComponent("c.svg")
        let r = try runWindtunnel(["plot", "curves", "--input", dir.path, "--match", "d48", "--match", "seed1",
                                   "--exclude", "wsd", "--out", svg.path])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOf: svg, encoding: .utf8)
        #expect(text.contains("d48-seed1-stable"))
        for gone in ["d48-seed1-wsd-t1e6", "d48-seed2-stable", "d96-seed1-stable"] { #expect(!text.contains(gone), "\(gone)") }

        let none = try runWindtunnel(["plot", "curves", "--input", dir.path, "--match", "d64", "--out", svg.path])
        #expect(none.status == 1 && none.stderr.contains("--match/--exclude left no run of the 4"), "\(none.stderr)")
    }
}
