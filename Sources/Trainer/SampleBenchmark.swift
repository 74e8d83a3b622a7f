import Foundation
import NN
import RunSchema
import Tensor

/// Generation cost per token (`windtunnel bench sample`): the KV cache (`GPT.logits(appending:)`)
/// against recomputing the whole prefix with the training forward for every new token (what
/// generation without a cache does), at short positions (the first tokens) and long ones (the
/// last tokens of the context). With the cache a token's cost barely grows with its position;
/// recomputing grows with it (quadratically in attention).
public enum SampleBenchmark {
    public struct Result: Codable, Sendable {
        public var positions: String
        public var cached_ms_per_token: Double
        public var recompute_ms_per_token: Double
        public var speedup: Double
    }

    /// A randomly initialised GPT of `config`, timing `tokens` single-token steps at each end of
    /// the context.
    public static func run(config: GPTConfig, tokens k: Int) -> [Result] {
        let t = config.contextLength
        precondition(k >= 1 && 2 * k + 1 <= t, "SampleBenchmark: \(k) tokens do not fit twice in a context of \(t)")
        let model = GPT(config)
        var rng = RandomState(seed: 0)
        model.initialize(rng: &rng)
        let ids = (0..<t).map { _ in Int32(rng.nextInt(below: config.vocabSize)) }
        let cache = model.makeCache()

        /// ms per token appending ids[range] one at a time after a prefill of ids[..<range.lowerBound].
        func cached(_ range: Range<Int>) -> Double {
            cache.reset()
            _ = model.logits(appending: Array(ids[..<range.lowerBound]), cache: cache)
            let start = monotonicSeconds()
            for i in range { _ = model.logits(appending: [ids[i]], cache: cache) }
            return (monotonicSeconds() - start) * 1000 / Double(range.count)
        }
        /// ms per token running the full forward over ids[...i] for each i in range.
        func recompute(_ range: Range<Int>) -> Double {
            let start = monotonicSeconds()
            for i in range {
                var context = ForwardContext(training: false)
                _ = Tensor.noGrad { model.logits(Indices(shape: [1, i + 1], values: Array(ids[...i])), context: &context) }
            }
            return (monotonicSeconds() - start) * 1000 / Double(range.count)
        }
        _ = cached(1..<2)  // warm-up: buffer pool, BLAS
        return [("1-\(k)", 1..<(k + 1)), ("\(t - k)-\(t - 1)", (t - k)..<t)].map { label, range in
            let c = cached(range), r = recompute(range)
            return Result(positions: label, cached_ms_per_token: c, recompute_ms_per_token: r, speedup: r / c)
        }
    }
}
