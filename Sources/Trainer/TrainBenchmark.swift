import Foundation
import NN
import RunSchema
import Tensor

/// Training-step throughput (`windtunnel bench train`): the configs of
/// `shared/peers/torch_gpt_bench.py` (pre-LN GPT, GELU MLP 4x, tied embeddings, AdamW lr 1e-3,
/// weight decay 0.1, random tokens) so numbers compare one to one with PyTorch eager, plus MoE
/// variants at equal active FLOPs. Steps of the candidates in one comparison are interleaved
/// so a noisy machine slows them alike.
public enum TrainBenchmark {
    public struct Shape: Sendable {
        public let name: String
        public let config: GPTConfig
        public let batch: Int
    }

    /// name: (vocab, d_model, n_layer, n_head, seq, batch), as in the PyTorch peer script.
    public static let denseShapes: [Shape] = [
        shape("tiny", 65, 128, 4, 4, 64, 12),
        shape("small", 256, 256, 6, 8, 256, 16),
        shape("medium", 256, 512, 8, 8, 256, 16),
    ]

    /// "small" with every MLP replaced by 8 experts, top-2, d_expert = d_ff/2: the same active
    /// FLOPs per token as the dense "small" (plus the router).
    public static let moeShapes: [Shape] = {
        var c = denseShapes[1].config
        var moe = MoEConfig(numExperts: 8, topK: 2)
        moe.dExpert = c.feedForwardWidth / 2
        c.moe = moe
        return [Shape(name: "small-moe-e8k2", config: c, batch: 16)]
    }()

    public static var allShapes: [Shape] { denseShapes + moeShapes }

    static func shape(_ name: String, _ v: Int, _ d: Int, _ l: Int, _ h: Int, _ t: Int, _ b: Int) -> Shape {
        Shape(name: name, config: GPTConfig(vocabSize: v, contextLength: t, dModel: d, nLayer: l, nHead: h), batch: b)
    }

    public struct Result: Codable, Sendable {
        public let config: String
        public let params: Int
        public let params_active: Int
        public let threads: Int
        public let ms_per_step: Double
        public let tokens_per_s: Double
        /// Buffers the caching allocator had to malloc per timed step (0 = steady state).
        public let allocations_per_step: Double
        /// For MoE configs: MoE step time / the dense "small" step time, measured alternately.
        public let moe_dense_step_ratio: Double?
    }

    /// One model with its optimizer and a fixed random batch.
    public final class Bench: @unchecked Sendable {
        let shape: Shape
        let model: GPT
        let arena: ParameterArena
        let optimizer: AdamW
        let ids: Indices, targets: Indices

        public init(_ shape: Shape) {
            self.shape = shape
            model = GPT(shape.config)
            var rng = RandomState(seed: 0)
            model.initialize(rng: &rng)
            arena = ParameterArena(model)
            var hyper = AdamW.Hyperparameters()
            hyper.beta2 = 0.999; hyper.weightDecay = 0.1; hyper.decay = Set(ParameterKind.allCases)  // torch.optim.AdamW defaults
            optimizer = AdamW(arena, hyper)
            let n = shape.batch * shape.config.contextLength, v = shape.config.vocabSize
            ids = Indices(shape: [shape.batch, shape.config.contextLength], values: (0..<n).map { _ in Int32(rng.nextInt(below: v)) })
            targets = Indices(shape: ids.shape, values: (0..<n).map { _ in Int32(rng.nextInt(below: v)) })
        }

        /// One training step: zero grads, forward, backward, AdamW.
        public func step() {
            arena.zeroGrad()
            var context = ForwardContext(training: true)
            model.loss(ids, targets: targets, context: &context).total.backward()
            optimizer.update(lr: 1e-3)
        }
    }

    /// Times `steps` steps of each named shape (after 3 warm-up steps). MoE shapes are timed
    /// interleaved with the dense "small" model to report their step-time ratio.
    public static func run(names: [String], steps: Int) -> [Result] {
        let pool = BufferPool.current
        return names.compactMap { name -> Result? in
            guard let shape = allShapes.first(where: { $0.name == name }) else { return nil }
            let bench = Bench(shape)
            let dense = shape.config.moe == nil ? nil : Bench(denseShapes[1])
            for _ in 0..<3 { bench.step(); dense?.step() }
            let before = pool.statistics.systemAllocations
            var own = [Double](), other = [Double]()
            for _ in 0..<steps {
                var t0 = monotonicSeconds()
                bench.step()
                own.append(monotonicSeconds() - t0)
                if let dense {
                    t0 = monotonicSeconds()
                    dense.step()
                    other.append(monotonicSeconds() - t0)
                }
            }
            let allocations = Double(pool.statistics.systemAllocations - before) / Double(steps * (dense == nil ? 1 : 2))
            let median = own.sorted()[own.count / 2]
            let tokens = Double(shape.batch * shape.config.contextLength)
            let a = shape.config.accounting
            return Result(config: name, params: a.totalParams, params_active: a.activeParams, threads: Threads.count,
                          ms_per_step: (median * 1e4).rounded() / 10, tokens_per_s: (tokens / median).rounded(),
                          allocations_per_step: allocations,
                          moe_dense_step_ratio: other.isEmpty ? nil : ((median / other.sorted()[other.count / 2]) * 1000).rounded() / 1000)
        }
    }
}
