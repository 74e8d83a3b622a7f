import CommandTestSupport
import Data
import Foundation
import RunSchema
import Testing
import Trainer

/// Bits per byte in training output (metrics.jsonl's `val_bpb`, summary.json's `final_val_bpb` and
/// `bytes_per_token`), and `data.train_subset_tokens` in a real run.
@Suite struct TrainingBitsPerByteTests {
    /// A char dataset whose characters take 1 to 4 UTF-8 bytes, so bytes per token is not 1.
    func multiByteDataset(in root: URL) throws -> URL {
        let words = ["vent", "soufflé", "Größe", "€uro", "🙂", "naïve", "tunnel", "día"]
        var rng = SplitMix64(seed: 9)
        var text = ""
        while text.unicodeScalars.count < 8_000 { text += words[Int(rng.next(below: 8))] + (rng.next(below: 6) == 0 ? "\n" : " ") }
        let input = root.appendingPathComponent("corpus.txt")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let out = root.appendingPathComponent("data")
        _ = try DatasetPreparer.prepare(PrepareOptions(input: input, tokenizer: .char, output: out))
        return out
    }

    /// Bytes per token of val.bin counted here, from meta.json's `itos` and the raw file.
    func independentBytesPerToken(_ data: URL) throws -> Double {
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: data.appendingPathComponent("meta.json"))) as! [String: Any]
        let itos = meta["itos"] as! [String]
        let raw = try Data(contentsOf: data.appendingPathComponent("val.bin"))
        let tokens = stride(from: 0, to: raw.count, by: 2).map { Int(raw[$0]) | Int(raw[$0 + 1]) << 8 }
        return Double(tokens.reduce(0) { $0 + itos[$1].utf8.count }) / Double(tokens.count)
    }

    @Test func valBitsPerByteIsTheLossOverLn2OverTheValSplitsBytesPerToken() throws {
        let dir = try temporaryDirectory("bpb")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try multiByteDataset(in: dir)
        let bpt = try independentBytesPerToken(data)
        #expect(bpt > 1.2, "\(bpt)")  // the multi-byte characters count as such
        let config = try TrainConfig.load(try writeConfig(tinyTrainConfigJSON(dataDir: data, steps: 20), in: dir))
        let run = try TrainingRun(config: config, directory: dir.appendingPathComponent("run"), resume: false)
        #expect(try run.run() == .finished)
        let evals = try readMetrics(run.files.metrics).filter { $0["val_loss"] != nil }
        #expect(evals.count == 2)  // steps 10 and 20
        for r in evals {
            let loss = r["val_loss"] as! Double, bpb = try #require(r["val_bpb"] as? Double)
            // Both numbers went through metrics.jsonl's decimal text: equal up to its last digit.
            #expect(abs(bpb - loss / Foundation.log(2.0) / bpt) <= 1e-12 * bpb,
                    "step \(r["step"]!): \(bpb) vs \(loss / Foundation.log(2.0) / bpt)")
        }
        let summary = try RunSummary.read(run.files.summary)
        #expect(summary.bytesPerToken == bpt)
        #expect(summary.finalValBpb == (try #require(summary.finalValLoss)) / Foundation.log(2.0) / bpt)
    }

    @Test func aTokenDirectoryWithoutATokenizerTrainsWithoutBitsPerByte() throws {
        let dir = try temporaryDirectory("bpb-none")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("tokens")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: 3)
        for (name, n) in [("train.bin", 4000), ("val.bin", 600)] {
            try writeTokenFile((0..<n).map { _ in UInt16(rng.next(below: 50)) }, to: data.appendingPathComponent(name))
        }
        let config = try TrainConfig.load(try writeConfig(tinyTrainConfigJSON(dataDir: data, steps: 10), in: dir),
                                          overrides: ["model.vocab_size=64"])
        let run = try TrainingRun(config: config, directory: dir.appendingPathComponent("run"), resume: false)
        #expect(run.valBytesPerToken == nil)
        #expect(try run.run() == .finished)
        let evals = try readMetrics(run.files.metrics).filter { $0["val_loss"] != nil }
        #expect(evals.count == 1 && evals.allSatisfy { $0["val_bpb"] == nil })
        let summary = try RunSummary.read(run.files.summary)
        #expect(summary.finalValLoss != nil && summary.finalValBpb == nil && summary.bytesPerToken == nil)
        let text = try String(contentsOf: run.files.summary, encoding: .utf8)
        #expect(!text.contains("bpb") && !text.contains("bytes_per_token"))
    }
}

@Suite struct TrainSubsetRunTests {
    static let subset = ["data.train_subset_tokens=2000", "train.log_interval=1"]

    /// 20 steps of 8 × 32 tokens over a 2000-token subset: 5120 / 2000 = 2.56 epochs, whatever
    /// the split's size; a run stopped at step 9 and resumed logs exactly the same numbers.
    @Test(arguments: ["random", "sequential", "shuffled"])
    func epochsCountTheSubsetAndResumeIsExact(sampling: String) throws {
        let dir = try temporaryDirectory("subset-\(sampling)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, _) = try makeSyntheticDataset(in: dir, characters: 12_000)
        let url = try writeConfig(tinyTrainConfigJSON(dataDir: data, steps: 20), in: dir)
        let config = try TrainConfig.load(url, overrides: Self.subset + ["data.sampling=\(sampling)"])
        let a = try TrainingRun(config: config, directory: dir.appendingPathComponent("a"), resume: false)
        #expect(try a.run() == .finished)
        let b = try TrainingRun(config: config, directory: dir.appendingPathComponent("b"), resume: false)
        b.stopAtStep = 9
        #expect(try b.run() == .stopped)
        #expect(try TrainingRun(config: config, directory: b.files.directory, resume: true).run() == .finished)
        let ma = try readMetrics(a.files.metrics), mb = try readMetrics(b.files.metrics)
        #expect(ma.count == 20 && mb.count == 20)
        for (x, y) in zip(ma, mb) {
            for key in ["step", "loss", "grad_norm", "val_loss"] {
                #expect("\(x[key] ?? "-")" == "\(y[key] ?? "-")", "step \(x["step"]!): \(key)")
            }
        }
        let (sa, sb) = (try RunSummary.read(a.files.summary), try RunSummary.read(b.files.summary))
        #expect(sa.epochs == 5120.0 / 2000 && sa.finalValLoss == sb.finalValLoss)
        // The same run over the whole split counts its epochs over the split.
        let whole = try TrainingRun(config: try TrainConfig.load(url, overrides: ["train.steps=1"]),
                                    directory: dir.appendingPathComponent("whole"), resume: false)
        #expect(try whole.run() == .finished)
        let split = try TokenDataset(directory: data).train.count
        #expect(try RunSummary.read(whole.files.summary).epochs == 256.0 / Double(split))
    }

    @Test func badSubsetsAreOneErrorNamingTheField() throws {
        let dir = try temporaryDirectory("subset-errors")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, _) = try makeSyntheticDataset(in: dir, characters: 6_000)
        let url = try writeConfig(tinyTrainConfigJSON(dataDir: data, steps: 5), in: dir)
        func loadError(_ value: String) -> String? {
            do { _ = try TrainConfig.load(url, overrides: ["data.train_subset_tokens=\(value)"]); return nil } catch { return "\(error)" }
        }
        // A window needs context + 1 tokens.
        for value in ["32", "0", "-5"] {
            #expect(loadError(value) == "\(url.path): data.train_subset_tokens: expected an integer number of tokens > model.context_length (32), got \(value)")
        }
        let fractional = try #require(loadError("1.5"))
        #expect(fractional.contains("data.train_subset_tokens") && fractional.contains("integer"), "\(fractional)")
        #expect(loadError("33") == nil && loadError("5e3") == nil)
        // More than the split holds: caught when the data is opened, before anything is written.
        let split = try TokenDataset(directory: data).train.count
        let config = try TrainConfig.load(url, overrides: ["data.train_subset_tokens=\(split + 1)"])
        let runDir = dir.appendingPathComponent("run")
        do { _ = try TrainingRun(config: config, directory: runDir, resume: false); Issue.record("oversized subset accepted") } catch {
            #expect("\(error)" == "data.train_subset_tokens: expected at most the \(split) tokens of the training split of \(data.path), got \(split + 1)")
        }
        #expect(!FileManager.default.fileExists(atPath: RunFiles(runDir).config.path))
        // The whole split is a valid subset.
        _ = try TrainingRun(config: try TrainConfig.load(url, overrides: ["data.train_subset_tokens=\(split)"]),
                            directory: dir.appendingPathComponent("exact"), resume: false)
    }
}
