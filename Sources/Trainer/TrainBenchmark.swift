import Foundation
import NN
import RunSchema
import Tensor

/// Training-step throughput (`windtunnel bench train`): the configs of
/// `shared/peers/torch_gpt_bench.py` (pre-LN GPT, GELU MLP 4x, tied embeddings, AdamW lr 1e-3,
/// weight decay 0.1, random tokens) so numbers compare one to one with PyTorch eager, plus MoE
/// variants at equal active FLOPs. What is timed is the trainer's own `TrainingStep` (see
/// `optim` for its settings). Steps of the candidates in one comparison are interleaved so a
/// noisy machine slows them alike.
public enum TrainBenchmark {
    public struct Shape: Sendable {
        public let name: String
        public let config: GPTConfig
        public let batch: Int
        /// The update timed: the peer's AdamW (`optim`) for the built-in shapes, a config file's own.
        public let optim: TrainConfig.OptimConfig

        public init(name: String, config: GPTConfig, batch: Int, optim: TrainConfig.OptimConfig = TrainBenchmark.optim) {
            (self.name, self.config, self.batch, self.optim) = (name, config, batch, optim)
        }

        /// A run config's model, micro-batch and optimizer (one micro-batch per timed step).
        public init(name: String, run: TrainConfig) {
            self.init(name: name, config: run.model, batch: run.train.batchSize, optim: run.optim)
        }
    }

    /// The step config of every bench model: the PyTorch peer's optimizer, torch.optim.AdamW
    /// with its defaults (betas (0.9, 0.999), eps 1e-8) and weight decay 0.1 on every parameter,
    /// at a constant lr 1e-3, so the update compares one to one. Unlike the peer, gradients are
    /// clipped to norm 1 (the trainer's default `grad_clip`) because the bench times the step
    /// training runs: the norm is computed either way, and a binding clip adds one scaling pass
    /// over the gradient arena.
    public static let optim: TrainConfig.OptimConfig = {
        var o = TrainConfig.OptimConfig(lr: 1e-3)
        o.beta2 = 0.999
        o.weightDecay = 0.1
        o.decay = ParameterKind.allCases
        return o
    }()

    /// Initialisation seed of the bench models.
    public static let seed: UInt64 = 0

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

    /// The sizes sweeps train, as in `shared/peers/torch_small_bench.py` (GPT-2 style, char vocab
    /// 84): the quickstart's isoFLOP models and isoflop-small-like shapes up to d 512. Sweeps run
    /// one single-threaded process per core, so these compare at `--threads 1`.
    public static let sweepShapes: [Shape] = [
        shape("qs-d16", 84, 16, 2, 2, 64, 16),
        shape("qs-d24", 84, 24, 2, 3, 64, 16),
        shape("qs-d32", 84, 32, 2, 4, 64, 16),
        shape("qs-d48", 84, 48, 3, 4, 64, 16),
        shape("qs-d64", 84, 64, 4, 4, 64, 16),
        shape("d128", 84, 128, 4, 8, 128, 32),
        shape("d256", 84, 256, 8, 16, 128, 32),
        shape("d512", 84, 512, 8, 32, 128, 16),
    ]

    public static var allShapes: [Shape] { denseShapes + moeShapes + sweepShapes }

    /// The built-in shape called `name`, if any.
    public static func shape(named name: String) -> Shape? { allShapes.first { $0.name == name } }

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
        /// Model FLOPs per token (`full` accounting: every matmul, attention, the unembedding).
        public let flops_per_token: Double
        /// Model FLOPs per second at the median step.
        public let model_gflops: Double
        /// The measured FMA peak at this thread budget, and model FLOPs / that peak.
        public let peak_gflops: Double
        public let mfu: Double
    }

    /// One model stepped by the trainer's `TrainingStep` (with `optim`) on fixed batches.
    public final class Bench: @unchecked Sendable {
        public let training: TrainingStep
        /// The micro-batch list of each step, used in turn.
        let steps: [[TrainingStep.MicroBatch]]
        /// A constant learning rate: the shape's peak (schedules are not what is timed).
        let lr: Float
        private var next = 0

        /// `batches` (each [shape.batch, context]) are stepped on in turn, one per step; by
        /// default one batch of random tokens, as the PyTorch peer does.
        public init(_ shape: Shape, batches: [TrainingStep.MicroBatch]? = nil) {
            training = TrainingStep(model: shape.config, optim: shape.optim, seed: TrainBenchmark.seed)
            lr = Float(shape.optim.lr)
            let b = shape.batch, t = shape.config.contextLength, v = shape.config.vocabSize
            var rng = RandomState(seed: TrainBenchmark.seed)
            func tokens() -> Indices { Indices(shape: [b, t], values: (0..<(b * t)).map { _ in Int32(rng.nextInt(below: v)) }) }
            let batches = batches ?? [TrainingStep.MicroBatch(inputs: tokens(), targets: tokens())]
            precondition(!batches.isEmpty && batches.allSatisfy { $0.inputs.shape == [b, t] },
                         "TrainBenchmark.Bench: batches must be [\(b), \(t)]")
            steps = batches.map { [$0] }
        }

        /// One training step on the next batch.
        public func step() {
            _ = training.step(steps[next], lr: lr)
            next = (next + 1) % steps.count
        }
    }

    /// Times `steps` steps of each shape (after 3 warm-up steps). MoE shapes are timed
    /// interleaved with the dense "small" model to report their step-time ratio. MFU is against
    /// the FMA peak measured once, before the first shape, at the process's thread budget.
    public static func run(_ shapes: [Shape], steps: Int) -> [Result] {
        let pool = BufferPool.current
        let peak = FMAPeak.cached(threads: Threads.count).total_gflops
        return shapes.map { shape -> Result in
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
            let flopsPerToken = a.flopsPerToken(.full)
            let modelGFLOPs = flopsPerToken * tokens / median / 1e9
            return Result(config: shape.name, params: a.totalParams, params_active: a.activeParams, threads: Threads.count,
                          ms_per_step: (median * 1e4).rounded() / 10, tokens_per_s: (tokens / median).rounded(),
                          allocations_per_step: allocations,
                          moe_dense_step_ratio: other.isEmpty ? nil : ((median / other.sorted()[other.count / 2]) * 1000).rounded() / 1000,
                          flops_per_token: flopsPerToken, model_gflops: (modelGFLOPs * 100).rounded() / 100,
                          peak_gflops: peak, mfu: (modelGFLOPs / peak * 1e4).rounded() / 1e4)
        }
    }
}
