import Foundation

/// The files of a run directory (DESIGN.md): resolved `config.json`, `metrics.jsonl`,
/// `checkpoint.safetensors` (+ kept `checkpoint_step<N>.safetensors`), and `summary.json`, written
/// last and atomically, which marks a finished run.
public struct RunFiles: Sendable {
    /// The name of the metrics log in a run directory (DESIGN.md: one JSON object per logged step).
    public static let metricsFileName = "metrics.jsonl"

    public let directory: URL

    public init(_ directory: URL) { self.directory = directory }

    public var config: URL { directory.appendingPathComponent("config.json") }
    public var metrics: URL { directory.appendingPathComponent(Self.metricsFileName) }
    public var checkpoint: URL { directory.appendingPathComponent("checkpoint.safetensors") }
    public var summary: URL { directory.appendingPathComponent("summary.json") }
    public func checkpoint(step: Int) -> URL { directory.appendingPathComponent("checkpoint_step\(step).safetensors") }
    /// Held by the `train` process that writes this directory (`RunLock`).
    public var lock: URL { directory.appendingPathComponent("train.lock") }
    /// Where an unreadable summary.json is moved before the run rebuilds it (kept for inspection).
    public var corruptSummary: URL { directory.appendingPathComponent("summary.json.corrupt") }

    var fm: FileManager { .default }
    public var hasSummary: Bool { fm.fileExists(atPath: summary.path) }
    public var hasCheckpoint: Bool { fm.fileExists(atPath: checkpoint.path) }
    /// summary.json as found: absent, readable, or present but unreadable (a torn write, a disk
    /// error, an edit), which must never pass for "no result" or for "finished".
    public enum SummaryState {
        case absent
        case readable(RunSummary)
        case unreadable(reason: String)

        public var summary: RunSummary? { if case .readable(let s) = self { s } else { nil } }
    }

    public var summaryState: SummaryState {
        guard hasSummary else { return .absent }
        do { return .readable(try RunSummary.read(summary)) } catch {
            return .unreadable(reason: RunSummary.readProblem(error))
        }
    }

    /// Removes what writes cut short by a kill leave behind: Foundation's atomic-write temporaries
    /// (`.dat.nosync…`) and unfinished kept-checkpoint copies (`.<name>.partial`). Only the
    /// process that holds the directory's lock may call this. Returns the names removed.
    @discardableResult
    public func removeTemporaryFiles() -> [String] {
        let names = (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
        let stale = names.filter { $0.hasPrefix(".dat.nosync") || ($0.hasPrefix(".") && $0.hasSuffix(".partial")) }
        for name in stale { try? fm.removeItem(at: directory.appendingPathComponent(name)) }
        return stale
    }

    /// Anything a previous run left behind.
    public var isEmpty: Bool {
        !(fm.fileExists(atPath: metrics.path) || hasCheckpoint || hasSummary)
    }
}

/// summary.json: the record of a run that ended (finished, diverged or failed).
public struct RunSummary: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable, CaseIterable { case finished, diverged, failed }

    public var status: Status
    public var reason: String?
    public var steps: Int
    public var tokens: Double
    public var flops: Double
    public var flopsPerToken: Double
    public var flopAccounting: String
    public var params: Int
    public var paramsNonEmbedding: Int
    public var paramsActive: Int
    public var paramsActiveNonEmbedding: Int
    public var finalTrainLoss: Double?
    /// The final eval over the val split's non-overlapping windows (all of them, or
    /// `train.final_eval_tokens` worth evenly spaced): the mean of the per-window mean losses, its
    /// standard error (the sample std of those per-window losses over √windows: a window is the
    /// unit, since the tokens within one are correlated), and the target tokens it scored. The
    /// two added fields are absent in summaries written before they existed.
    public var finalValLoss: Double?
    public var finalValLossSE: Double?
    public var finalEvalTokens: Int?
    /// `final_val_loss` in bits per byte (nats / ln 2 / `bytes_per_token`), and the val split's
    /// UTF-8 bytes per token (decoded with the data's tokenizer). Absent when the data has no
    /// tokenizer (no meta.json), and in summaries written before they existed.
    public var finalValBpb: Double?
    public var bytesPerToken: Double?
    /// The lowest periodic eval (`eval_batches` fixed batches, every `eval_interval` steps).
    public var bestValLoss: Double?
    public var wallTimeS: Double
    /// Tokens this run trained itself per second of wall time (a WSD branch: its cooldown only).
    public var tokensPerS: Double
    public var schedule: String
    public var experts: Int?
    public var topK: Int?
    public var sparsity: Double?
    /// Per MoE layer, max/mean expert load at the end of training; and the largest of them.
    public var moeMaxLoadRatios: [Double]?
    public var moeMaxLoadRatio: Double?
    public var dModel: Int
    public var nLayer: Int
    public var seed: UInt64
    /// Tokens trained over the training tokens an epoch covers (the split, or
    /// `data.train_subset_tokens` of it); absent in summaries written before it.
    public var epochs: Double?
    /// Model FLOPs per second over the run (`full` accounting, whatever `flop_accounting` says)
    /// / the FMA peak measured at the run's thread budget when it started (`peak_gflops`).
    public var mfu: Double?
    public var peakGFLOPs: Double?

    public init(status: Status, reason: String? = nil, steps: Int, tokens: Double, flops: Double,
                flopsPerToken: Double, flopAccounting: String, params: Int, paramsNonEmbedding: Int,
                paramsActive: Int, paramsActiveNonEmbedding: Int, finalTrainLoss: Double? = nil,
                finalValLoss: Double? = nil, finalValLossSE: Double? = nil, finalEvalTokens: Int? = nil,
                finalValBpb: Double? = nil, bytesPerToken: Double? = nil, bestValLoss: Double? = nil, wallTimeS: Double,
                tokensPerS: Double, schedule: String, experts: Int? = nil, topK: Int? = nil,
                sparsity: Double? = nil, moeMaxLoadRatios: [Double]? = nil, moeMaxLoadRatio: Double? = nil,
                dModel: Int, nLayer: Int, seed: UInt64, epochs: Double? = nil, mfu: Double? = nil, peakGFLOPs: Double? = nil) {
        self.status = status
        self.reason = reason
        self.steps = steps
        self.tokens = tokens
        self.flops = flops
        self.flopsPerToken = flopsPerToken
        self.flopAccounting = flopAccounting
        self.params = params
        self.paramsNonEmbedding = paramsNonEmbedding
        self.paramsActive = paramsActive
        self.paramsActiveNonEmbedding = paramsActiveNonEmbedding
        self.finalTrainLoss = finalTrainLoss
        self.finalValLoss = finalValLoss
        self.finalValLossSE = finalValLossSE
        self.finalEvalTokens = finalEvalTokens
        self.finalValBpb = finalValBpb
        self.bytesPerToken = bytesPerToken
        self.bestValLoss = bestValLoss
        self.wallTimeS = wallTimeS
        self.tokensPerS = tokensPerS
        self.schedule = schedule
        self.experts = experts
        self.topK = topK
        self.sparsity = sparsity
        self.moeMaxLoadRatios = moeMaxLoadRatios
        self.moeMaxLoadRatio = moeMaxLoadRatio
        self.dModel = dModel
        self.nLayer = nLayer
        self.seed = seed
        self.epochs = epochs
        self.mfu = mfu
        self.peakGFLOPs = peakGFLOPs
    }

    enum CodingKeys: String, CodingKey {
        case status, reason, steps, tokens, flops, flopsPerToken = "flops_per_token"
        case flopAccounting = "flop_accounting", params, paramsNonEmbedding = "params_non_embedding"
        case paramsActive = "params_active", paramsActiveNonEmbedding = "params_active_non_embedding"
        case finalTrainLoss = "final_train_loss", finalValLoss = "final_val_loss", bestValLoss = "best_val_loss"
        case finalValLossSE = "final_val_loss_se", finalEvalTokens = "final_eval_tokens"
        case finalValBpb = "final_val_bpb", bytesPerToken = "bytes_per_token"
        case wallTimeS = "wall_time_s", tokensPerS = "tokens_per_s", schedule, experts, topK = "top_k", sparsity
        case moeMaxLoadRatios = "moe_max_load_ratios", moeMaxLoadRatio = "moe_max_load_ratio"
        case dModel = "d_model", nLayer = "n_layer", seed, epochs, mfu, peakGFLOPs = "peak_gflops"
    }

    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    public static func read(_ url: URL) throws -> RunSummary {
        try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: url))
    }

    /// Why summary.json could not be read, in a few words.
    static func readProblem(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing field \(key.stringValue)"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let c) where !c.codingPath.isEmpty:
            return "bad value at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case is DecodingError: return "not valid JSON"
        default: return FileErrors.reason(error)
        }
    }
}
