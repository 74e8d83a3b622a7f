import Foundation

/// The files of a run directory (DESIGN.md): resolved `config.json`, `metrics.jsonl`,
/// `checkpoint.safetensors` (+ kept `checkpoint_step<N>.safetensors`), and `summary.json`, written
/// last and atomically, which marks a finished run.
public struct RunFiles: Sendable {
    public let directory: URL

    public init(_ directory: URL) { self.directory = directory }

    public var config: URL { directory.appendingPathComponent("config.json") }
    public var metrics: URL { directory.appendingPathComponent("metrics.jsonl") }
    public var checkpoint: URL { directory.appendingPathComponent("checkpoint.safetensors") }
    public var summary: URL { directory.appendingPathComponent("summary.json") }
    public func checkpoint(step: Int) -> URL { directory.appendingPathComponent("checkpoint_step\(step).safetensors") }

    var fm: FileManager { .default }
    public var hasSummary: Bool { fm.fileExists(atPath: summary.path) }
    public var hasCheckpoint: Bool { fm.fileExists(atPath: checkpoint.path) }
    /// Anything a previous run left behind.
    public var isEmpty: Bool {
        !(fm.fileExists(atPath: metrics.path) || hasCheckpoint || hasSummary)
    }
}

/// Appends one JSON object per line to metrics.jsonl. Each line is written with a single
/// `write` and flushed, so a killed process leaves at most one partial last line, which
/// `truncate(afterStep:)` removes on resume along with any step past the checkpoint.
final class MetricsWriter {
    private let handle: FileHandle

    init(_ url: URL) throws {
        if !FileManager.default.fileExists(atPath: url.path) {
            FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    func append(_ record: [String: Any]) throws {
        var line = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
        line.append(0x0A)
        try handle.write(contentsOf: line)
    }

    /// Keeps only complete lines whose step is ≤ `step` (atomic rewrite).
    static func truncate(_ url: URL, afterStep step: Int) throws {
        guard let data = try? Data(contentsOf: url) else { return }
        var kept = Data()
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: true) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let s = object["step"] as? Int, s <= step else { continue }
            kept.append(contentsOf: line)
            kept.append(0x0A)
        }
        try kept.write(to: url, options: .atomic)
    }
}

/// summary.json: the record of a run that ended (finished, diverged or failed).
public struct RunSummary: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable { case finished, diverged, failed }

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
    public var finalValLoss: Double?
    public var bestValLoss: Double?
    public var wallTimeS: Double
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

    enum CodingKeys: String, CodingKey {
        case status, reason, steps, tokens, flops, flopsPerToken = "flops_per_token"
        case flopAccounting = "flop_accounting", params, paramsNonEmbedding = "params_non_embedding"
        case paramsActive = "params_active", paramsActiveNonEmbedding = "params_active_non_embedding"
        case finalTrainLoss = "final_train_loss", finalValLoss = "final_val_loss", bestValLoss = "best_val_loss"
        case wallTimeS = "wall_time_s", tokensPerS = "tokens_per_s", schedule, experts, topK = "top_k", sparsity
        case moeMaxLoadRatios = "moe_max_load_ratios", moeMaxLoadRatio = "moe_max_load_ratio"
        case dModel = "d_model", nLayer = "n_layer", seed
    }

    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    public static func read(_ url: URL) throws -> RunSummary {
        try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: url))
    }
}
