import Foundation
import NN
import RunSchema
import Tensor

/// A quick measure of training speed for a config: builds its model, feeds random tokens and times
/// whole optimizer steps (the trainer's `TrainingStep`: forward, backward, gradient norm, clip,
/// AdamW, MoE bias update) at a given thread count. The sweep planner uses it to estimate run
/// times without touching the data.
public enum ThroughputProbe {
    public struct Measurement: Sendable, Equatable {
        /// Seconds per optimizer step (all gradient-accumulation micro-batches).
        public var secondsPerStep: Double
        /// Seconds per evaluation batch (forward only).
        public var secondsPerEvalBatch: Double
        public var tokensPerStep: Int
        public var threads: Int
        public var tokensPerSecond: Double { Double(tokensPerStep) / max(secondsPerStep, 1e-12) }
    }

    /// Times one warm-up step, then steps until `minSeconds` have passed (at least one and at most
    /// `maxSteps`), so a shape costs about one warm-up step plus `minSeconds`. Large steps are
    /// timed on a smaller batch (at most `maxFLOPsPerStep` training FLOPs, no gradient
    /// accumulation) and scaled up: big models' step time is proportional to the batch. Sets the
    /// process's thread budget to `threads`.
    public static func measure(_ config: TrainConfig, threads: Int, minSeconds: Double = 0.25, maxSteps: Int = 3,
                               maxFLOPsPerStep: Double = 3e9) -> Measurement {
        Threads.configure(threads)
        let training = TrainingStep(model: config.model, optim: config.optim, seed: config.seed)
        let t = config.model.contextLength
        let microBatches = config.train.batchSize * config.train.gradAccum
        let flopsPerSequence = config.model.flopsPerToken * Double(t)
        let b = max(1, min(config.train.batchSize, Int(maxFLOPsPerStep / flopsPerSequence)))
        let accum = b < config.train.batchSize ? 1 : config.train.gradAccum
        let scale = Double(microBatches) / Double(b * accum)
        var tokenRNG = RandomState(seed: config.seed)
        func tokens() -> Indices {
            Indices(shape: [b, t], values: (0..<(b * t)).map { _ in Int32(tokenRNG.nextInt(below: config.model.vocabSize)) })
        }
        let batch = TrainingStep.MicroBatch(inputs: tokens(), targets: tokens())
        let microBatchesPerStep = [TrainingStep.MicroBatch](repeating: batch, count: accum)
        func step() { _ = training.step(microBatchesPerStep, lr: Float(config.optim.lr)) }
        step()  // warm-up: first-touch allocations, BLAS thread start-up
        var steps = 0
        let start = monotonicSeconds()
        repeat {
            step()
            steps += 1
        } while steps < maxSteps && monotonicSeconds() - start < minSeconds
        let perStep = (monotonicSeconds() - start) / Double(steps) * scale
        let evalStart = monotonicSeconds()
        var context = ForwardContext(training: false)
        _ = Tensor.noGrad { training.model.loss(batch.inputs, targets: batch.targets, context: &context).crossEntropy }
        let perEval = (monotonicSeconds() - evalStart) * Double(config.train.batchSize) / Double(b)
        return Measurement(secondsPerStep: perStep, secondsPerEvalBatch: perEval,
                           tokensPerStep: config.tokensPerStep, threads: threads)
    }
}
