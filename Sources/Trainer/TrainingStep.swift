import NN
import RunSchema
import Tensor

/// The optimizer step: the one every caller runs. The training loop (`TrainingRun`), `bench
/// train` (`TrainBenchmark`), the sweep's `ThroughputProbe` and the PyTorch golden test all step
/// through it, so a benchmark times exactly the step a run trains with.
///
/// One step: zero the gradient arena; for each micro-batch a training forward (the dropout stream
/// threads through the micro-batches and on to the next step) and backward of the loss scaled by
/// 1/micro-batches; the global gradient norm; then, if loss and norm are finite, clip the
/// gradients to `gradClip` when it binds, AdamW at the given learning rate, and the MoE layers'
/// balancing-bias update. When either is not finite nothing is updated and the caller decides
/// (the trainer records the run as diverged). Activations and gradients reuse their buffers, so
/// a steady-state step allocates nothing from the buffer pool.
public final class TrainingStep {
    /// One micro-batch: token ids and their next-token targets, both [batch, tokens].
    public struct MicroBatch: Sendable {
        public var inputs: Indices
        public var targets: Indices

        public init(inputs: Indices, targets: Indices) {
            precondition(inputs.shape == targets.shape, "MicroBatch: inputs \(inputs.shape) and targets \(targets.shape) differ in shape")
            self.inputs = inputs
            self.targets = targets
        }

        /// Zeros of shape [batchSize, context], to be filled in place with `fill`.
        public init(batchSize: Int, context: Int) {
            let zeros = Indices(shape: [batchSize, context], values: [Int32](repeating: 0, count: batchSize * context))
            self.init(inputs: zeros, targets: zeros)
        }

        /// Lets `body` write the ids and targets in place (e.g. `BatchSampler.next(inputs:targets:)`),
        /// so a training loop refills the same buffers every step.
        public mutating func fill(_ body: (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Void) {
            inputs.values.withUnsafeMutableBufferPointer { i in
                targets.values.withUnsafeMutableBufferPointer { t in body(i.baseAddress!, t.baseAddress!) }
            }
        }
    }

    public struct Result: Sendable, Equatable {
        /// Mean cross-entropy over the micro-batches (nats/token).
        public var loss: Double
        /// Global L2 norm of the gradients, before clipping.
        public var gradNorm: Double
        /// False when the loss or the gradient norm is not finite: the step then updated nothing.
        public var isFinite: Bool { loss.isFinite && gradNorm.isFinite }
    }

    public let model: GPT
    public let params: ParameterArena
    public let optimizer: AdamW
    /// Global gradient-norm clip; 0 disables.
    public let gradClip: Float
    /// The dropout stream (checkpointed by the trainer, so a resumed run draws the same masks).
    public var dropoutRNG: RandomState
    private let moeLayers: [MixtureOfExperts]

    /// A freshly initialised model (GPT-2 init from `seed`) with its parameter arena and AdamW.
    /// The dropout stream is seeded from `seed` too, apart from the initialisation's.
    public init(model config: GPTConfig, optim: TrainConfig.OptimConfig, seed: UInt64) {
        model = GPT(config)
        var initRNG = RandomState(seed: seed)
        model.initialize(rng: &initRNG)
        params = ParameterArena(model, scale: model.optimizerScale)
        optimizer = AdamW(params, optim.hyperparameters)
        gradClip = optim.gradClip
        dropoutRNG = RandomState(seed: seed ^ 0x5DEE_CE66_D1CE_F00D)
        moeLayers = model.blocks.compactMap { $0.ffn as? MixtureOfExperts }
    }

    /// Runs one optimizer step over `microBatches` (gradient accumulation: their mean loss) at
    /// learning rate `lr`.
    public func step(_ microBatches: [MicroBatch], lr: Float) -> Result {
        precondition(!microBatches.isEmpty, "TrainingStep.step: no micro-batches")
        let accum = microBatches.count
        params.zeroGrad()
        var lossSum = 0.0
        for batch in microBatches {
            var context = ForwardContext(training: true, rng: dropoutRNG)
            let loss = model.loss(batch.inputs, targets: batch.targets, context: &context)
            dropoutRNG = context.rng
            lossSum += Double(loss.crossEntropy)
            (accum == 1 ? loss.total : loss.total * (1 / Float(accum))).backward()
        }
        let result = Result(loss: lossSum / Double(accum), gradNorm: params.gradNorm())
        guard result.isFinite else { return result }
        if gradClip > 0 && result.gradNorm > Double(gradClip) {
            params.scaleGrads(Float(Double(gradClip) / result.gradNorm))
        }
        optimizer.update(lr: lr)
        for layer in moeLayers { layer.updateBalancingBias() }
        return result
    }
}
