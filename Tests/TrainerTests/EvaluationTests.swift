import CommandTestSupport
import Data
import Foundation
import NN
import RunSchema
import Tensor
import Testing
import Trainer

@Suite struct FinalEvalTests {
    func train(_ dir: URL, _ data: URL, steps: Int, overrides: [String] = []) throws -> TrainingRun {
        let config = try TrainConfig.load(try writeConfig(tinyTrainConfigJSON(dataDir: data, steps: steps), in: dir), overrides: overrides)
        let run = try TrainingRun(config: config, directory: dir.appendingPathComponent("run-\(steps)"), resume: false)
        #expect(try run.run() == .finished)
        return run
    }

    /// Window i of the val split scored on its own, as `windtunnel eval` defines it: inputs
    /// tokens[i·T ..< i·T+T], targets shifted by one, one window per forward.
    func windowLoss(_ model: GPT, _ val: TokenStream, window i: Int, context t: Int) -> Double {
        var context = ForwardContext(training: false)
        let inputs = Indices(shape: [1, t], values: val.tokens(from: i * t, count: t))
        let targets = Indices(shape: [1, t], values: val.tokens(from: i * t + 1, count: t))
        return Tensor.noGrad { Double(model.loss(inputs, targets: targets, context: &context).crossEntropy) }
    }

    func meanAndSE(_ x: [Double]) -> (Double, Double) {
        let n = Double(x.count), m = x.reduce(0, +) / n
        return (m, (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / (n - 1) / n).squareRoot())
    }

    @Test func theFinalEvalIsTheMeanOverEveryWindowOfTheSplitScoredAlone() throws {
        let dir = try temporaryDirectory("final-eval")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, _) = try makeSyntheticDataset(in: dir, characters: 12_000)
        // Dropout on: the final eval must not apply it.
        let run = try train(dir, data, steps: 30, overrides: ["model.dropout=0.1"])
        let val = try TokenDataset(directory: data).val
        let windows = (val.count - 1) / 32
        #expect(windows == 37)  // 1200 val tokens: 4 batches of 8 and a last one of 5
        let reference = (0..<windows).map { windowLoss(run.model, val, window: $0, context: 32) }
        let (mean, se) = meanAndSE(reference)
        let summary = try RunSummary.read(run.files.summary)
        let loss = try #require(summary.finalValLoss), reportedSE = try #require(summary.finalValLossSE)
        #expect(abs(loss - mean) < 1e-5, "final eval \(loss) vs per-window mean \(mean)")
        #expect(abs(reportedSE - se) < 1e-6 && se > 0, "SE \(reportedSE) vs \(se)")
        #expect(summary.finalEvalTokens == windows * 32)
        // Batching changes nothing beyond float rounding, whatever the batch and the last batch's size.
        let all = try EvalWindows(tokens: val, context: 32)
        for batch in [1, 5, 37, 64] {
            let losses = try #require(all.losses(of: run.model, batchSize: batch))
            #expect(losses.count == windows && zip(losses, reference).allSatisfy { abs($0 - $1) < 1e-5 }, "batch \(batch)")
        }
        // A stop request (SIGINT/SIGTERM) between batches abandons the eval.
        var asked = 0
        #expect(all.losses(of: run.model, batchSize: 8) { asked += 1; return asked == 3 } == nil && asked == 3)

        // A run killed after its last checkpoint, during the final eval, scores the same on resume.
        try FileManager.default.removeItem(at: run.files.summary)
        let resumed = try TrainingRun(config: run.config, directory: run.files.directory, resume: true)
        #expect(resumed.step == 30)
        #expect(try resumed.run() == .finished)
        let again = try RunSummary.read(run.files.summary)
        #expect(again.finalValLoss == summary.finalValLoss && again.finalValLossSE == summary.finalValLossSE
                && again.finalEvalTokens == summary.finalEvalTokens)

        // With a cap of 100 tokens: ⌈100/32⌉ = 4 windows, evenly spaced over the 37.
        let capped = try train(dir, data, steps: 2, overrides: ["train.final_eval_tokens=100"])
        let cappedSummary = try RunSummary.read(capped.files.summary)
        let (cappedMean, cappedSE) = meanAndSE([0, 12, 24, 36].map { windowLoss(capped.model, val, window: $0, context: 32) })
        #expect(cappedSummary.finalEvalTokens == 128)
        #expect(abs(try #require(cappedSummary.finalValLoss) - cappedMean) < 1e-5)
        #expect(abs(try #require(cappedSummary.finalValLossSE) - cappedSE) < 1e-6)
    }

    @Test func standardErrorIsTheSampleStdOfTheWindowLossesOverRootWindows() {
        let e = EvalEstimate(windowLosses: [1, 2, 3, 4], tokensPerWindow: 8)
        #expect(e.loss == 2.5 && e.windows == 4 && e.tokens == 32)
        // Sample variance (Σ(x − 2.5)² / 3 = 5/3), over 4 windows.
        #expect(abs(e.standardError! - (5.0 / 3 / 4).squareRoot()) < 1e-15)
        #expect(EvalEstimate(windowLosses: [2, 2, 2], tokensPerWindow: 8).standardError == 0)
        #expect(EvalEstimate(windowLosses: [1.5], tokensPerWindow: 8).standardError == nil)  // not estimable
    }

    @Test func summariesWrittenBeforeTheStandardErrorStillRead() throws {
        let old = #"""
            { "status": "finished", "steps": 10, "tokens": 2560, "flops": 1e9, "flops_per_token": 390625,
              "flop_accounting": "full", "params": 100, "params_non_embedding": 80, "params_active": 100,
              "params_active_non_embedding": 80, "final_val_loss": 1.5, "best_val_loss": 1.4, "wall_time_s": 1,
              "tokens_per_s": 2560, "schedule": "cosine", "d_model": 32, "n_layer": 2, "seed": 7 }
            """#
        let s = try JSONDecoder().decode(RunSummary.self, from: Data(old.utf8))
        #expect(s.finalValLoss == 1.5 && s.finalValLossSE == nil && s.finalEvalTokens == nil)
    }
}
