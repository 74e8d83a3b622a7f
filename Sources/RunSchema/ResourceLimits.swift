import Foundation

/// Limits checked from the config before anything is allocated, so an oversized config is one
/// error naming the field instead of a crash in the allocator (`model.d_ff=2e9`), an abort, or a
/// process that grows until the machine swaps (`model.n_layer=1e8`, `train.batch_size=1e8`).
///
/// Two levels: hard bounds that keep the Int arithmetic of accounting and step counts from
/// overflowing (`validate`, machine-independent), and `MemoryEstimate`, compared with the memory
/// of the machine that trains (the trainer checks it before it builds the model).
extension GPTConfig {
    /// Upper bounds per field; far beyond any model this package can train on a CPU.
    static let hardLimits: [(field: String, limit: Int)] = [
        ("context_length", 1 << 24), ("d_model", 1 << 20), ("n_layer", 1 << 20), ("n_head", 1 << 20), ("d_ff", 1 << 30),
    ]

    /// Each size field within its bound (before anything multiplies them).
    func checkFieldLimits() throws {
        let values = ["context_length": contextLength, "d_model": dModel, "n_layer": nLayer, "n_head": nHead, "d_ff": dFF ?? 0]
        for (field, limit) in Self.hardLimits where values[field]! > limit {
            throw ConfigError([field], "\(values[field]!) is too large (at most \(limit))")
        }
    }

    /// The whole model within 10¹⁵ parameters (after the MoE section is checked).
    func checkParameterLimit() throws {
        let params = roughParameterCount
        guard params <= 1e15 else {
            throw ConfigError([largestDriver], "too large: the model would have ≈ \(compactNumber(params)) parameters")
        }
    }

    /// An upper estimate of the parameter count in floating point (the exact count,
    /// `accounting`, is Int arithmetic that must not overflow).
    var roughParameterCount: Double {
        let d = Double(dModel), ff = Double(feedForwardWidth), experts = max(moe.map { Double($0.numExperts) * Double($0.granularity) } ?? 1, 1)
        let perLayer = 4 * d * d + 3 * d * ff * experts + 4 * d
        return Double(nLayer) * perLayer + 2 * Double(vocabSize) * d + Double(contextLength) * d
    }

    /// The model field most out of proportion (for messages about the model's size).
    var largestDriver: String {
        let ratios: [(String, Double)] = [
            ("n_layer", Double(nLayer) / 48), ("d_ff", Double(feedForwardWidth) / Double(4 * max(dModel, 1))),
            ("d_model", Double(dModel) / 4096), ("moe.num_experts", (moe.map { Double($0.numExperts) * Double($0.granularity) } ?? 1) / 64),
        ]
        return ratios.max { $0.1 < $1.1 }!.0
    }
}

/// The memory a training run needs, estimated from its config: parameters with their gradients
/// and AdamW moments, the activations one micro-batch keeps for the backward pass (per layer per
/// token: residual stream, norms, q/k/v, attention probabilities, the feed-forward hidden
/// state; plus logits), and the fixed eval batches' window offsets. An estimate within a small
/// factor, not an accounting: it exists to turn impossible configs into one clear error.
public struct MemoryEstimate: Sendable {
    public var parameterBytes: Double
    public var activationBytes: Double
    public var evalBytes: Double
    public var totalBytes: Double { parameterBytes + activationBytes + evalBytes }

    public init(_ config: TrainConfig) {
        let m = config.model
        let d = Double(m.dModel), t = Double(m.contextLength), b = Double(config.train.batchSize)
        let ff = Double(m.feedForwardWidth) * (m.activation == .swiglu ? 2 : 1)
        let topK = max(m.moe.map { Double($0.topK) * Double($0.granularity) } ?? 1, 1)
        parameterBytes = 16 * m.roughParameterCount  // weights, gradients, two moments (Float32)
        // Forward values kept per token (× 2 for the gradients of the backward pass).
        let perTokenPerLayer = 12 * d + 2 * ff * topK + 2 * Double(m.nHead) * t
        let perToken = Double(m.nLayer) * perTokenPerLayer + 3 * Double(m.vocabSize) + 4 * d
        activationBytes = 2 * 4 * b * t * perToken
        evalBytes = 8 * Double(config.train.evalBatches) * b
    }

    /// Throws a `ConfigError` naming the field that drives the estimate when it exceeds
    /// `availableBytes` (the machine's memory).
    public func check(_ config: TrainConfig, availableBytes: Double) throws {
        guard totalBytes > availableBytes else { return }
        let m = config.model
        let need = "≈ \(formatBytes(totalBytes)) of memory, more than this machine's \(formatBytes(availableBytes))"
        let parts = [(parameterBytes, "parameters"), (activationBytes, "activations"), (evalBytes, "eval")]
        switch parts.max(by: { $0.0 < $1.0 })!.1 {
        case "parameters":
            let field = m.largestDriver
            throw ConfigError(["model"] + field.split(separator: ".").map(String.init),
                              "the model (≈ \(compactNumber(m.roughParameterCount)) parameters, with gradients and AdamW state) needs \(need)")
        case "activations":
            let candidates: [(field: String, value: Int, ratio: Double)] = [
                ("train.batch_size", config.train.batchSize, Double(config.train.batchSize) / 512),
                ("model.context_length", m.contextLength, Double(m.contextLength) / 8192),
                ("model.n_layer", m.nLayer, Double(m.nLayer) / 48),
                ("model.d_ff", m.feedForwardWidth, Double(m.feedForwardWidth) / Double(4 * max(m.dModel, 1))),
            ]
            let driver = candidates.max { $0.ratio < $1.ratio }!
            throw ConfigError(driver.field.split(separator: ".").map(String.init),
                              "\(driver.value): the activations of one micro-batch of \(config.train.batchSize) × \(m.contextLength) tokens need \(need)")
        default:
            throw ConfigError(["train", "eval_batches"], "\(config.train.evalBatches) eval batches of \(config.train.batchSize) windows need \(need)")
        }
    }
}

/// Bytes as "1.5 GB" (powers of 1024).
public func formatBytes(_ bytes: Double) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
    var value = bytes, unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(Int(value)) bytes" : String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
}
