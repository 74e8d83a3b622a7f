import Foundation
import NN
import Tensor

/// How the next token is drawn from the logits.
public struct SamplingOptions: Sendable, Equatable {
    /// Logits are divided by it; 0 = greedy (argmax).
    public var temperature: Float
    /// Keep only the k most likely tokens (nil = all).
    public var topK: Int?

    public init(temperature: Float = 1, topK: Int? = nil) {
        self.temperature = temperature
        self.topK = topK
    }

    /// A token from one row of logits. Deterministic given `rng`: one uniform per draw (none when
    /// greedy). Ties break towards the lower id.
    public func draw(_ logits: UnsafeBufferPointer<Float>, rng: inout RandomState) -> Int32 {
        let v = logits.count
        if temperature == 0 || topK == 1 {
            var best = 0
            for i in 1..<v where logits[i] > logits[best] { best = i }
            return Int32(best)
        }
        // Candidates: all ids, or the top k (sorted by logit, then id, so the order is fixed).
        var ids = Array(0..<v)
        if let k = topK, k < v {
            ids.sort { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
            ids.removeSubrange(k...)
        }
        let m = ids.map { Double(logits[$0]) }.max()!
        let weights = ids.map { Foundation.exp((Double(logits[$0]) - m) / Double(temperature)) }
        let u = Double(rng.nextUniform()) * weights.reduce(0, +)
        var cumulative = 0.0
        for (i, w) in zip(ids, weights) {
            cumulative += w
            if u < cumulative { return Int32(i) }
        }
        return Int32(ids.last!)
    }
}

/// Autoregressive generation with a KV cache (NN/KVCache.swift).
///
/// The model sees at most `context_length` tokens: a longer prompt keeps its last T tokens. When
/// the generated text fills the window, the cache restarts from the last T/2 tokens (one forward
/// over them), so the model always sees between T/2 and T tokens of context and generation stays
/// linear in length (a recompute every T/2 tokens instead of one per token).
public final class Generator {
    public let model: GPT
    let cache: KVCache

    public init(model: GPT) {
        self.model = model
        cache = model.makeCache()
    }

    public var context: Int { model.config.contextLength }

    /// Generates `count` tokens after `prompt` (non-empty), calling `emit` with each as soon as it
    /// is drawn.
    public func generate(prompt: [Int32], count: Int, options: SamplingOptions, rng: inout RandomState,
                         emit: (Int32) -> Void) {
        precondition(!prompt.isEmpty, "Generator.generate: empty prompt")
        var window = Array(prompt.suffix(context))
        cache.reset()
        var logits = model.logits(appending: window, cache: cache)
        for produced in 0..<count {
            let last = logits.narrowed(axis: 0, start: logits.shape[0] - 1, length: 1)
            let next = options.draw(UnsafeBufferPointer(start: last.data, count: last.count), rng: &rng)
            emit(next)
            if produced == count - 1 { break }
            window.append(next)
            if cache.length == context {
                window = Array(window.suffix(Swift.max(1, context / 2)))
                cache.reset()
                logits = model.logits(appending: window, cache: cache)
            } else {
                logits = model.logits(appending: [next], cache: cache)
            }
        }
    }
}
