import CommandTestSupport
import Data
import Foundation
import NN
import RunSchema
import Testing
import Trainer

@Suite struct TrainingTests {
    func run(_ json: String, in dir: URL, overrides: [String] = []) throws -> (TrainingRun, TrainingRun.Outcome) {
        let config = try TrainConfig.load(try writeConfig(json, in: dir), overrides: overrides)
        let run = try TrainingRun(config: config, directory: dir.appendingPathComponent("run"), resume: false)
        return (run, try run.run())
    }

    @Test func lossFallsWellBelowTheUnigramEntropy() throws {
        let dir = try temporaryDirectory("train")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, entropy) = try makeSyntheticDataset(in: dir)
        let (run, outcome) = try run(tinyTrainConfigJSON(dataDir: data, steps: 150), in: dir)
        #expect(outcome == .finished)
        let summary = try RunSummary.read(run.files.summary)
        #expect(summary.status == .finished && summary.steps == 150)
        let val = try #require(summary.finalValLoss)
        #expect(val < 0.6 * entropy, "val loss \(val) vs unigram entropy \(entropy)")
        // metrics.jsonl: one line per logged step with the DESIGN.md fields, val_loss on eval steps.
        let lines = try readMetrics(run.files.metrics)
        #expect(lines.map { $0["step"] as! Int } == [1] + Array(stride(from: 5, through: 150, by: 5)))
        for key in ["step", "tokens", "flops", "lr", "loss", "grad_norm", "tokens_per_s", "elapsed_s"] {
            #expect(lines.allSatisfy { $0[key] != nil }, "missing \(key)")
        }
        #expect(lines.filter { $0["val_loss"] != nil }.map { $0["step"] as! Int } == Array(stride(from: 10, through: 150, by: 10)))
        #expect(summary.params == run.accounting.totalParams && summary.tokens == Double(150 * 256))
        #expect(summary.flops == summary.tokens * summary.flopsPerToken)
        // MFU: model FLOPs (full accounting) per second over the peak measured at the start.
        let peak = try #require(summary.peakGFLOPs)
        let mfu = try #require(summary.mfu)
        let expected = summary.tokensPerS * run.accounting.flopsPerToken(.full) / (peak * 1e9)
        #expect(mfu > 0 && abs(mfu - expected) <= 5e-5, "mfu \(mfu) vs \(expected)")
        #expect(lines.allSatisfy { ($0["mfu"] as? Double ?? 0) > 0 }, "every metrics line carries mfu")
    }

    @Test func moeRouterStatisticsAreTheTrainingStepsEvenOnEvalSteps() throws {
        let dir = try temporaryDirectory("moe-metrics")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, _) = try makeSyntheticDataset(in: dir, characters: 20_000)
        let (run, outcome) = try run(tinyTrainConfigJSON(dataDir: data, steps: 20), in: dir,
                                     overrides: ["model.moe.num_experts=4", "model.moe.top_k=1"])
        #expect(outcome == .finished)
        let lines = try readMetrics(run.files.metrics)
        #expect(!lines.isEmpty)
        for line in lines {
            let layers = try #require(line["moe"] as? [[String: Any]])
            #expect(layers.count == 2)
            for layer in layers {
                // Evaluation forwards compute no balancing losses; the logged ones are training's.
                #expect((layer["aux_loss"] as! Double) > 0 && (layer["z_loss"] as! Double) > 0, "step \(line["step"]!): \(layer)")
                #expect(abs((layer["load"] as! [Double]).reduce(0, +) - 1) < 1e-6)
            }
        }
        let summary = try RunSummary.read(run.files.summary)
        let last = (lines.last!["moe"] as! [[String: Any]]).map { $0["max_load_ratio"] as! Double }
        #expect(summary.moeMaxLoadRatio == last.max())
    }

    @Test func divergenceIsRecordedNotACrash() throws {
        let dir = try temporaryDirectory("diverge")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, _) = try makeSyntheticDataset(in: dir, characters: 20_000)
        let (run, outcome) = try run(tinyTrainConfigJSON(dataDir: data, steps: 60), in: dir,
                                     overrides: ["optim.lr=1e6", "optim.grad_clip=0", "schedule.warmup_steps=0", "schedule.kind=constant"])
        #expect(outcome == .diverged)
        let summary = try RunSummary.read(run.files.summary)
        #expect(summary.status == .diverged)
        #expect(summary.reason?.contains("became") == true)
        #expect(summary.steps < 60)
    }

    @Test func dataProblemsAreClearErrors() throws {
        let dir = try temporaryDirectory("baddata")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, _) = try makeSyntheticDataset(in: dir, characters: 5_000)
        let json = tinyTrainConfigJSON(dataDir: data)
        func error(_ overrides: [String]) -> String? {
            do { _ = try run(json, in: dir, overrides: overrides); return nil } catch { return "\(error)" }
        }
        let vocab = try DatasetMeta.load(from: data.appendingPathComponent("meta.json")).vocabSize
        #expect(error(["model.vocab_size=10"]) == "\(data.path): the data's vocabulary has \(vocab) tokens (from meta.json) but model.vocab_size is 10")
        #expect(error(["model.context_length=600"])?.hasPrefix("model.context_length 600 does not fit the val split of \(data.path)") == true)
        #expect(error(["data.dir=\(dir.path)/missing"])?.contains("missing") == true)
        // A second run into the same directory without --resume is refused (nothing is overwritten).
        _ = try run(json, in: dir, overrides: ["train.steps=2"])
        #expect(error(["train.steps=2"])?.hasSuffix("already holds a run; pass --resume to continue it or choose another --out") == true)
    }
}

@Suite struct CheckpointTests {
    @Test func corruptAndTruncatedCheckpointsAreRefused() throws {
        let dir = try temporaryDirectory("ckpt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, _) = try makeSyntheticDataset(in: dir, characters: 20_000)
        let cfgURL = try writeConfig(tinyTrainConfigJSON(dataDir: data, steps: 20), in: dir)
        let config = try TrainConfig.load(cfgURL)
        let runDir = dir.appendingPathComponent("run")
        let run = try TrainingRun(config: config, directory: runDir, resume: false)
        run.stopAtStep = 10
        #expect(try run.run() == .stopped)
        let ckpt = RunFiles(runDir).checkpoint
        let good = try Data(contentsOf: ckpt)
        func resumeError() -> String? {
            do { _ = try TrainingRun(config: config, directory: runDir, resume: true); return nil } catch { return "\(error)" }
        }
        #expect(resumeError() == nil)
        try good.prefix(good.count - 100).write(to: ckpt)
        #expect(resumeError()?.contains("corrupt checkpoint") == true)
        #expect(resumeError()?.contains("truncated") == true)
        try Data([1, 2, 3]).write(to: ckpt)
        #expect(resumeError() == "\(ckpt.path): corrupt checkpoint: file is 3 bytes, shorter than the 8-byte header length")
        var garbage = good
        garbage.replaceSubrange(8..<16, with: Data(repeating: 0x7B, count: 8))
        try garbage.write(to: ckpt)
        #expect(resumeError() == "\(ckpt.path): corrupt checkpoint: header is not a JSON object")
        // A checkpoint of a different model is refused with both shapes named.
        try good.write(to: ckpt)
        let wider = try TrainConfig.load(cfgURL, overrides: ["model.d_model=64", "init_from.checkpoint=\(ckpt.path)"])
        do { _ = try TrainingRun(config: wider, directory: dir.appendingPathComponent("wider"), resume: false); Issue.record("wider model accepted") } catch {
            #expect("\(error)".contains("checkpoint was saved for a different model (d_model 32"))
        }
    }
}

/// Bit-identical resume, checked across processes (the property users rely on): a run stopped
/// at step 17 and resumed logs exactly the numbers of an uninterrupted run at every later step.
@Suite struct ExactResumeTests {
    @Test(arguments: ["0.0", "0.1"])  // without and with dropout (its RNG stream is checkpointed)
    func resumedRunMatchesUninterruptedRun(dropout: String) throws {
        let dir = try temporaryDirectory("resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, _) = try makeSyntheticDataset(in: dir, characters: 30_000)
        let cfg = try writeConfig(tinyTrainConfigJSON(dataDir: data, steps: 40), in: dir).path
        let common = ["--threads", "2", "--set", "model.dropout=\(dropout)", "--set", "train.log_interval=1"]
        let a = try runWindtunnel(["train", cfg, "--out", dir.appendingPathComponent("a").path] + common)
        #expect(a.status == 0, "\(a.stderr)")
        let b1 = try runWindtunnel(["train", cfg, "--out", dir.appendingPathComponent("b").path, "--stop-at-step", "17"] + common)
        #expect(b1.status == 0 && b1.stdout.contains("stopped at step 17"), "\(b1.stderr)")
        let b2 = try runWindtunnel(["train", cfg, "--out", dir.appendingPathComponent("b").path, "--resume"] + common)
        #expect(b2.status == 0 && b2.stdout.contains("resuming at step 17"), "\(b2.stderr)")
        let ma = try readMetrics(dir.appendingPathComponent("a/metrics.jsonl"))
        let mb = try readMetrics(dir.appendingPathComponent("b/metrics.jsonl"))
        #expect(ma.count == 40 && mb.count == 40)  // no duplicated or missing lines
        for (x, y) in zip(ma, mb) {
            for key in ["step", "loss", "grad_norm", "lr", "tokens", "val_loss"] {
                #expect("\(x[key] ?? "-")" == "\(y[key] ?? "-")", "step \(x["step"]!): \(key) \(x[key] ?? "-") vs \(y[key] ?? "-")")
            }
        }
        // The final eval is a function of the weights: the resumed run reports the same one.
        let sa = try RunSummary.read(dir.appendingPathComponent("a/summary.json"))
        let sb = try RunSummary.read(dir.appendingPathComponent("b/summary.json"))
        #expect(sa.finalValLoss != nil && sa.finalValLossSE != nil && sa.finalEvalTokens != nil)
        #expect(sa.finalValLoss == sb.finalValLoss && sa.finalValLossSE == sb.finalValLossSE && sa.finalEvalTokens == sb.finalEvalTokens)
    }
}

@Suite struct ResumeGuardTests {
    @Test func resumingWithADifferentConfigIsRefused() throws {
        let dir = try temporaryDirectory("guard")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, _) = try makeSyntheticDataset(in: dir, characters: 10_000)
        let url = try writeConfig(tinyTrainConfigJSON(dataDir: data, steps: 6), in: dir)
        let runDir = dir.appendingPathComponent("run")
        let first = try TrainingRun(config: try TrainConfig.load(url), directory: runDir, resume: false)
        first.stopAtStep = 3
        #expect(try first.run() == .stopped)
        let changed = try TrainConfig.load(url, overrides: ["optim.lr=0.01"])
        do { _ = try TrainingRun(config: changed, directory: runDir, resume: true); Issue.record("changed config accepted") } catch {
            #expect("\(error)".contains("the run was started with a different config (optim.lr: 0.003 → 0.01)"))
        }
        let same = try TrainingRun(config: try TrainConfig.load(url), directory: runDir, resume: true)
        #expect(try same.run() == .finished)
    }
}
