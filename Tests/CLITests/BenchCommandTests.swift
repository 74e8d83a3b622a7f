import CommandTestSupport
import Foundation
import Testing

/// `bench train --config` times any train config (its model, batch and optimizer, `--set`
/// applied) and reports MFU against `bench peak`'s measured peak; bad input is one error line.
@Suite struct BenchCommandTests {
    static let config = """
        {"data": {"dir": "/nonexistent"}, "train": {"batch_size": 4, "steps": 10}, "optim": {"lr": 0.001},
         "model": {"vocab_size": 50, "context_length": 16, "d_model": 32, "n_layer": 1, "n_head": 2}}
        """

    @Test func timesAConfigFileWithOverridesAndReportsMFU() throws {
        let dir = try temporaryDirectory("cli-bench")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tiny.json")
        try Self.config.write(to: path, atomically: true, encoding: .utf8)
        let r = try runWindtunnel(["bench", "train", "--config", path.path, "--set", "model.d_model=48",
                                   "--steps", "2", "--threads", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").first.map(String.init))
        let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(row["config"] as? String == "tiny")
        // d_model 48 after --set: 1 layer of 12·48² weights and 9·48 biases, 2 norms of 2·48,
        // a final norm, tied embeddings 50·48 and positions 16·48.
        #expect(row["params"] as? Int == 12 * 48 * 48 + 9 * 48 + 4 * 48 + 2 * 48 + 50 * 48 + 16 * 48)
        let gflops = try #require(row["model_gflops"] as? Double), peak = try #require(row["peak_gflops"] as? Double)
        let mfu = try #require(row["mfu"] as? Double)
        #expect(gflops > 0 && peak > 0 && abs(mfu - gflops / peak) < 1e-3)
    }

    @Test func badInputIsOneErrorLine() throws {
        let dir = try temporaryDirectory("cli-bench-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tiny.json")
        try Self.config.write(to: path, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["bench", "train", "--set", "model.d_model=48"], "--set applies to --config"),
            (["bench", "train", "--config", path.path, "--set", "model.d_modl=48"], "model.d_modl: unknown key"),
            (["bench", "train", "--configs", "qs-d17"], "unknown config 'qs-d17'"),
            (["bench", "peak", "--seconds", "0"], "--seconds must be in (0, 60]"),
        ]
        for (args, message) in cases {
            let r = try runWindtunnel(args)
            #expect(r.status == 1, "\(args): \(r.status)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(args): \(r.stdout)")
        }
    }
}
