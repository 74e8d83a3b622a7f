import CommandTestSupport
import Foundation
import Testing
import RunSchema

/// `windtunnel train` under the stops a terminal or a job scheduler sends.
@Suite struct TrainSignalTests {
    @Test func twoQuickStopsStillCheckpointAndTheResumeFinishes() throws {
        let dir = try temporaryDirectory("train-signal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try makeSyntheticDataset(in: dir)
        let config = try writeSpec(tinyBase(dataDir: data, steps: 2000, extraTrain: #", "keep_checkpoints_at": [10]"#),
                                   in: dir, name: "train.json")
        let out = dir.appendingPathComponent("run")
        let files = RunFiles(out)
        let train = try Windtunnel(["train", config.path, "--out", out.path], in: dir)
        #expect(waitUntil(timeout: 60) { ((try? loggedSteps(files.metrics))?.last ?? 0) >= 15 })
        // A Ctrl-C reaches the whole process group and a sweep forwards its own stop: two
        // signals within milliseconds. The second must not cut the checkpoint short.
        kill(train.process.processIdentifier, SIGINT)
        kill(train.process.processIdentifier, SIGTERM)
        let stopped = try train.wait()
        // Pending signals may be delivered in either order; the first one names the exit status.
        #expect([128 + SIGINT, 128 + SIGTERM].contains(stopped.status), "\(stopped.stdout)\n\(stopped.stderr)")
        #expect(stopped.stdout.contains("checkpoint saved"))
        #expect(files.hasCheckpoint && !files.hasSummary)
        // The kept branch-point copy is complete and no partial file is left behind.
        #expect(FileManager.default.fileExists(atPath: files.checkpoint(step: 10).path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".partial") }
        #expect(leftovers.isEmpty, "\(leftovers)")

        let resumed = try runWindtunnel(["train", config.path, "--out", out.path, "--resume"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(try loggedSteps(files.metrics).last == 2000)
    }
}
