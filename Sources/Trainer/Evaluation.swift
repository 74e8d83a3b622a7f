import Data
import Foundation
import NN
import RunSchema
import Tensor

/// A val-loss estimate over windows: the mean of the per-window mean losses and its standard
/// error. The SE uses windows as the unit, not tokens, because the losses of the tokens within one
/// window are correlated.
public struct EvalEstimate: Sendable, Equatable {
    /// Mean over windows of each window's mean next-token loss (nats/token).
    public var loss: Double
    /// Sample standard deviation of the window losses over √windows. nil with a single window.
    public var standardError: Double?
    public var windows: Int
    /// Target tokens scored: windows × context.
    public var tokens: Int

    public init(windowLosses: [Double], tokensPerWindow: Int) {
        precondition(!windowLosses.isEmpty, "EvalEstimate: no windows")
        let n = Double(windowLosses.count)
        loss = windowLosses.reduce(0, +) / n
        let mean = loss
        standardError = windowLosses.count < 2 ? nil
            : (windowLosses.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) / n).squareRoot()
        windows = windowLosses.count
        tokens = windowLosses.count * tokensPerWindow
    }
}

extension EvalWindows {
    /// Each window's mean next-token loss under `model`, in eval mode (no dropout). The windows
    /// go through the model `batchSize` at a time, and the last batch holds whatever is left.
    /// For a dense model, a window's loss does not depend on which windows share its batch, up to
    /// float rounding in the matmuls. An MoE layer with a `capacity_factor` drops tokens per
    /// batch, so there it does. `stop` is asked before each batch; when it answers true the
    /// result is nil. `positions` limits the scoring to those positions of `indices` (`windtunnel
    /// eval --batches`: the first N windows). `observe` sees each batch's logits [rows, T, V] and
    /// targets [rows, T] (the loss by position in the context).
    public func losses(of model: GPT, batchSize: Int, positions: Range<Int>? = nil, stop: () -> Bool = { false },
                       observe: ((_ logits: Tensor, _ targets: Indices) -> Void)? = nil) -> [Double]? {
        precondition(batchSize >= 1, "EvalWindows.losses: batch size \(batchSize) < 1")
        let t = context
        let scored = positions ?? 0..<count
        precondition(scored.lowerBound >= 0 && scored.upperBound <= count, "EvalWindows.losses: positions \(scored) out of 0..<\(count)")
        var losses: [Double] = []
        losses.reserveCapacity(scored.count)
        var inputs = [Int32](repeating: 0, count: batchSize * t), targets = inputs
        for first in stride(from: scored.lowerBound, to: scored.upperBound, by: batchSize) {
            if stop() { return nil }
            let rows = Swift.min(batchSize, scored.upperBound - first)
            inputs.withUnsafeMutableBufferPointer { ip in
                targets.withUnsafeMutableBufferPointer { tp in fill(first..<first + rows, inputs: ip.baseAddress!, targets: tp.baseAddress!) }
            }
            Tensor.noGrad {
                var forward = ForwardContext(training: false)
                let logits = model.logits(Indices(shape: [rows, t], values: Array(inputs[..<(rows * t)])), context: &forward)
                // One cross-entropy per window, over its own slice of the logits: the same mean
                // over the same targets as that window's loss on its own.
                for r in 0..<rows {
                    let window = Indices(shape: [1, t], values: Array(targets[(r * t)..<((r + 1) * t)]))
                    losses.append(Double(crossEntropy(logits: logits.narrowed(axis: 0, start: r, length: 1), targets: window).item()))
                }
                observe?(logits, Indices(shape: [rows, t], values: Array(targets[..<(rows * t)])))
            }
        }
        return losses
    }
}

extension TrainingRun {
    /// The val split's UTF-8 bytes per token under the data's tokenizer (Data/BytesPerToken.swift,
    /// the same figure `windtunnel eval` uses), computed once at start: one table lookup per val
    /// token. nil when there is no tokenizer: token directories without meta.json (llm.c GPT-2
    /// shards) train as before, without bits per byte.
    static func bytesPerToken(of dataset: TokenDataset, observer: TrainingObserver?) -> Double? {
        guard dataset.meta != nil else { return nil }
        do {
            return try dataset.tokenizer().flatMap { dataset.val.bytesPerToken(tokenizer: $0) }
        } catch {
            observer?.message("no bits per byte: \(error)")
            return nil
        }
    }

    /// Mean cross-entropy over the fixed validation batches: the periodic eval, cheap enough to
    /// run every `eval_interval` steps.
    public func evaluate() -> Double {
        let b = config.train.batchSize, t = config.model.contextLength
        var inputs = [Int32](repeating: 0, count: b * t), targets = inputs
        var total = 0.0
        for i in 0..<evalBatches.batchCount {
            inputs.withUnsafeMutableBufferPointer { ip in
                targets.withUnsafeMutableBufferPointer { tp in evalBatches.fill(batch: i, inputs: ip.baseAddress!, targets: tp.baseAddress!) }
            }
            var context = ForwardContext(training: false)
            total += Tensor.noGrad {
                Double(model.loss(Indices(shape: [b, t], values: inputs), targets: Indices(shape: [b, t], values: targets), context: &context).crossEntropy)
            }
        }
        return total / Double(evalBatches.batchCount)
    }

    /// The final eval (summary.json's `final_val_loss` and `final_val_loss_se`), over
    /// `finalWindows`. It depends only on the weights, the data and the config, so a resumed run
    /// gets the same number. It returns nil if SIGINT/SIGTERM arrives while it runs: on a big
    /// model it can take minutes, and a stop request must not wait for it. It runs `batch_size` windows per forward, the training batch. Larger
    /// eval batches gave no more throughput on CPU: on the Shakespeare-char model, 505k tokens
    /// took 60 s at 12 windows per batch, 63 s at 48 and 65 s at 192 (1 thread). The training
    /// batch is also known to fit in memory.
    public func finalEvaluation() -> EvalEstimate? {
        let start = monotonicSeconds()
        guard let losses = finalWindows.losses(of: model, batchSize: config.train.batchSize, stop: { TrainingRun.stopRequested != 0 }) else {
            return nil
        }
        let estimate = EvalEstimate(windowLosses: losses, tokensPerWindow: finalWindows.context)
        let scope = finalWindows.coversSplit ? "the whole val split"
            : "evenly spaced, of \(finalWindows.available) in the val split"
        observer?.message("final eval: val loss \(String(format: "%.4f", estimate.loss)) ± "
                          + (estimate.standardError.map { String(format: "%.4f", $0) } ?? "n/a")
                          + (valBytesPerToken.map { String(format: " (%.4f bits/byte)", bitsPerByte(loss: estimate.loss, bytesPerToken: $0)) } ?? "")
                          + " over \(estimate.windows) windows × \(finalWindows.context) tokens (\(scope)) in "
                          + "\(String(format: "%.1f", monotonicSeconds() - start)) s")
        return estimate
    }
}
