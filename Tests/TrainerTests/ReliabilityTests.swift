import CommandTestSupport
import Foundation
import RunSchema
import Testing
import Trainer

/// Damaged run directories (issue 17): what a kill, a disk error or a stray edit leaves must never
/// lose a finished result, resume silently into something else, or pass for a divergence.
@Suite struct RunDamageTests {
    /// A run directory stopped (checkpointed) at `stop`, or finished when `stop` is nil.
    func makeRun(in dir: URL, steps: Int = 20, stop: Int? = nil) throws -> (config: TrainConfig, directory: URL) {
        let (data, _) = try makeSyntheticDataset(in: dir, characters: 20_000)
        let config = try TrainConfig.load(try writeConfig(tinyTrainConfigJSON(dataDir: data, steps: steps), in: dir))
        let runDir = dir.appendingPathComponent("run")
        let run = try TrainingRun(config: config, directory: runDir, resume: false)
        run.stopAtStep = stop
        #expect(try run.run() == (stop == nil ? .finished : .stopped))
        return (config, runDir)
    }

    func resumeError(_ config: TrainConfig, _ dir: URL) -> String? {
        do { _ = try TrainingRun(config: config, directory: dir, resume: true); return nil } catch { return "\(error)" }
    }

    @Test func anUnreadableSummaryIsRebuiltFromTheFinalCheckpoint() throws {
        let dir = try temporaryDirectory("rebuild")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (config, runDir) = try makeRun(in: dir)
        let files = RunFiles(runDir)
        let original = try RunSummary.read(files.summary)
        try Data(#"{"status": "fini"#.utf8).write(to: files.summary)

        let run = try TrainingRun(config: config, directory: runDir, resume: true)
        #expect(try run.run() == .finished)
        var rebuilt = try RunSummary.read(files.summary)
        // The final eval is deterministic and the checkpoint carries the last train loss, so only
        // the wall time (and the rate and MFU derived from it) differ; the peak is the checkpoint's.
        rebuilt.wallTimeS = original.wallTimeS
        rebuilt.tokensPerS = original.tokensPerS
        rebuilt.mfu = original.mfu
        #expect(rebuilt == original)
        #expect(try String(contentsOf: files.corruptSummary, encoding: .utf8) == #"{"status": "fini"#)
    }

    /// The checkpoint's header and its data section (offsets are relative to the data section).
    func split(_ file: Data) throws -> (header: [String: Any], data: Data) {
        let length = Int(file.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        let header = try JSONSerialization.jsonObject(with: file.subdata(in: 8..<8 + length)) as! [String: Any]
        return (header, file.subdata(in: 8 + length..<file.count))
    }

    func join(_ header: [String: Any], _ data: Data) throws -> Data {
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        return out + json + data
    }

    @Test func checkpointsAreIntegrityChecked() throws {
        let dir = try temporaryDirectory("integrity")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (config, runDir) = try makeRun(in: dir, stop: 10)
        let ckpt = RunFiles(runDir).checkpoint
        let good = try Data(contentsOf: ckpt)
        let (header, data) = try split(good)
        let name = "blocks.0.attn.qkv.weight"
        let start = ((header[name] as! [String: Any])["data_offsets"] as! [Int])[0]

        // One flipped low mantissa bit: a finite value that would resume silently without checksums.
        var flipped = data
        flipped[start + 1] ^= 0x01
        try join(header, flipped).write(to: ckpt)
        #expect(resumeError(config, runDir) == "\(ckpt.path): corrupt checkpoint: tensor '\(name)' fails its checksum (its bytes changed after it was written)")

        // Files written before checksums existed still load...
        var old = header
        var meta = old["__metadata__"] as! [String: String]
        meta["checksum"] = nil
        meta["checksums"] = nil
        old["__metadata__"] = meta
        try join(old, data).write(to: ckpt)
        #expect(resumeError(config, runDir) == nil)
        // ...and a NaN in one of them is corruption, not a divergence to record as a result.
        var poisoned = data
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { poisoned.replaceSubrange(start..<start + 4, with: $0) }
        try join(old, poisoned).write(to: ckpt)
        #expect(resumeError(config, runDir) == "\(ckpt.path): corrupt checkpoint: tensor '\(name)' holds nan at index 0; a run never saves non-finite values")
    }

    @Test func theResumeConfigCheckFailsClosed() throws {
        let dir = try temporaryDirectory("failclosed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (config, runDir) = try makeRun(in: dir, stop: 10)
        let files = RunFiles(runDir)
        let recorded = try Data(contentsOf: files.config)
        var other = config
        other.optim.lr = 1e-2
        try Data("{bad".utf8).write(to: files.config)
        for c in [other, config] {
            #expect(resumeError(c, runDir)?.contains("--resume cannot check that the config is the same as the run's, so it does not continue") == true)
        }
        try FileManager.default.removeItem(at: files.config)
        #expect(resumeError(config, runDir)?.contains("missing beside a checkpoint") == true)
        try recorded.write(to: files.config)
        #expect(resumeError(config, runDir) == nil)
    }

    @Test func aTornLastMetricsLineIsWrittenBackFromTheCheckpoint() throws {
        let dir = try temporaryDirectory("torn")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (config, runDir) = try makeRun(in: dir, stop: 10)
        let files = RunFiles(runDir)
        let text = try String(contentsOf: files.metrics, encoding: .utf8)
        let lines = text.split(separator: "\n")
        let last = String(lines.last!)
        #expect(last.contains("\"step\":10") && last.contains("val_loss"))
        // A kill mid-write: the step-10 line (with its val_loss) cut short, a temp file left over.
        try (lines.dropLast().joined(separator: "\n") + "\n" + last.prefix(last.count / 2)).write(to: files.metrics, atomically: true, encoding: .utf8)
        try Data("x".utf8).write(to: runDir.appendingPathComponent(".dat.nosync1A2B.x7Yz9q"))

        let run = try TrainingRun(config: config, directory: runDir, resume: true)
        #expect(try String(contentsOf: files.metrics, encoding: .utf8) == text)
        #expect(!FileManager.default.fileExists(atPath: runDir.appendingPathComponent(".dat.nosync1A2B.x7Yz9q").path))
        #expect(try run.run() == .finished)
        #expect(try MetricsFile.read(files.metrics).records.compactMap(\.step) == [1, 5, 10, 15, 20])
    }

    @Test func anOversizedConfigFailsBeforeAnythingIsCreated() throws {
        let dir = try temporaryDirectory("oversized")
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = tinyTrainConfigJSON(dataDir: dir.appendingPathComponent("data"))
            .replacingOccurrences(of: #""n_head": 4 }"#, with: #""n_head": 4, "vocab_size": 64 }"#)
        let config = try TrainConfig.load(try writeConfig(json, in: dir), overrides: ["train.eval_batches=1073741824", "train.batch_size=4096"])
        let runDir = dir.appendingPathComponent("run")
        do { _ = try TrainingRun(config: config, directory: runDir, resume: false); Issue.record("an oversized run started") } catch {
            #expect((error as? ConfigError)?.field == "train.eval_batches")
        }
        #expect(!FileManager.default.fileExists(atPath: runDir.path))
    }
}
