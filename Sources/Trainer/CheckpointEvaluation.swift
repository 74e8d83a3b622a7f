import Data
import Foundation
import NN
import RunSchema
import Tensor

/// `windtunnel eval`: a trained model's loss on a split of any token directory, over the windows
/// of the final eval's convention (Data/EvalWindows.swift: window i has inputs tokens[i·T ..< i·T+T]
/// and targets shifted by one), the first N of them from the start of the split, scored by the
/// trainer's own evaluation loop (Evaluation.swift). Any other tool can score the same windows
/// (Scripts/check-hf-export.py does, with transformers).
public struct CheckpointEvaluation: Codable, Sendable {
    public var checkpoint: String
    public var step: Int?
    public var data: String
    public var split: String
    public var context: Int
    public var batchSize: Int
    /// Windows scored (the first `windows` of the split) and of the split.
    public var windows: Int
    public var windowsInSplit: Int
    /// Target tokens scored: windows × context.
    public var tokens: Int
    /// Mean over windows of each window's mean next-token loss (nats/token), and its standard error.
    public var loss: Double
    public var lossSE: Double?
    /// UTF-8 bytes per token of the whole split (decoded with the dataset's tokenizer) and the
    /// loss in bits per byte; nil with the reason when the dataset has no tokenizer.
    public var bytesPerToken: Double?
    public var bitsPerByte: Double?
    public var bitsPerByteUnavailable: String?
    /// Mean loss at each position 0..<T of the context, over the windows scored.
    public var lossByPosition: [Double]

    enum CodingKeys: String, CodingKey {
        case checkpoint, step, data, split, context, windows, tokens, loss
        case batchSize = "batch_size", windowsInSplit = "windows_in_split", lossSE = "loss_se"
        case bytesPerToken = "bytes_per_token", bitsPerByte = "bits_per_byte"
        case bitsPerByteUnavailable = "bits_per_byte_unavailable", lossByPosition = "loss_by_position"
    }
}

extension TrainedModel {
    /// The batch size eval uses: the run's `train.batch_size`, or 8 without a config.json.
    public var evalBatchSize: Int { runConfig?.train.batchSize ?? 8 }

    /// Scores the first `batches × batchSize` windows of `split` of `dataDirectory` (all of the
    /// split's windows when `batches` is nil).
    public func evaluate(dataDirectory: URL, split: String, batches: Int?, batchSize: Int? = nil) throws -> CheckpointEvaluation {
        let b = batchSize ?? evalBatchSize
        let t = config.contextLength
        guard split == "val" || split == "train" else { throw TrainingError("--split must be val or train, got '\(split)'") }
        let dataset = try TokenDataset(directory: dataDirectory)
        guard dataset.vocabSize <= config.vocabSize else {
            throw TrainingError("\(dataDirectory.path): the data's vocabulary has \(dataset.vocabSize) tokens (\(dataset.vocabSource)) but the model's vocab_size is \(config.vocabSize) (a different dataset?)")
        }
        let stream = split == "val" ? dataset.val : dataset.train
        let windows = try EvalWindows(tokens: stream, context: t)
        let n = batches.map { $0 * b } ?? windows.count
        guard n <= windows.count else {
            throw TrainingError("--batches \(batches!) × batch size \(b) = \(n) windows, but the \(split) split of \(dataDirectory.path) holds \(windows.count) windows of \(t) tokens")
        }
        var positionSums = [Double](repeating: 0, count: t)
        let losses = windows.losses(of: model, batchSize: b, positions: 0..<n, observe: { logits, targets in
            // Per-token loss = logsumexp(logits) − logit[target].
            let rows = targets.shape[0]
            let lse = logits.logSumExp()
            let picked = logits.takeAlongLastAxis(Indices(shape: [rows, t, 1], values: targets.values))
            for r in 0..<rows {
                for p in 0..<t { positionSums[p] += Double(lse.data[r * t + p] - picked.data[r * t + p]) }
            }
        })!
        let estimate = EvalEstimate(windowLosses: losses, tokensPerWindow: t)
        var bytesPerToken: Double?, unavailable: String?
        if let tokenizer = try dataset.tokenizer() {
            bytesPerToken = stream.bytesPerToken(tokenizer: tokenizer)
        } else {
            unavailable = "\(dataDirectory.path) has no meta.json, so no tokenizer to count the bytes the tokens stand for"
        }
        return CheckpointEvaluation(
            checkpoint: checkpoint.path, step: step, data: dataDirectory.path, split: split, context: t, batchSize: b,
            windows: n, windowsInSplit: windows.count, tokens: estimate.tokens, loss: estimate.loss, lossSE: estimate.standardError,
            bytesPerToken: bytesPerToken, bitsPerByte: bytesPerToken.map { bitsPerByte(loss: estimate.loss, bytesPerToken: $0) },
            bitsPerByteUnavailable: unavailable, lossByPosition: positionSums.map { $0 / Double(n) })
    }
}
