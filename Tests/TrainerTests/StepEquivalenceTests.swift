import CommandTestSupport
import Data
import Foundation
import NN
import RunSchema
import Tensor
import Testing
import Trainer

/// `bench train` times the step training runs: a few steps through the trainer's loop
/// (`TrainingRun.run()`) and as many through the benchmark (`TrainBenchmark.Bench`), from the same
/// initialisation and batches, leave bit-identical parameters and buffers. The gradient clip binds
/// at every step (checked), and a control run without it ends elsewhere (checked), so a path that
/// skipped clipping would fail; the MoE case does the same for the balancing-bias update.
@Suite struct StepEquivalenceTests {
    static let steps = 5

    @Test(arguments: [false, true])  // dense; MoE with auxiliary-loss-free (bias) balancing
    func trainerAndBenchStepLeaveIdenticalParameters(moe: Bool) throws {
        let root = try temporaryDirectory("step")
        defer { try? FileManager.default.removeItem(at: root) }
        let dataDir = try makeSyntheticDataset(in: root, characters: 20_000).dir
        let dataset = try TokenDataset(directory: dataDir)

        var model = GPTConfig(vocabSize: dataset.vocabSize, contextLength: 16, dModel: 32, nLayer: 2, nHead: 4)
        model.initStd = 0.2  // gradient norms well above the clip of 1 at every step
        if moe {
            var m = MoEConfig(numExperts: 4, topK: 2)
            m.balancing = .bias
            model.moe = m
        }
        let shape = TrainBenchmark.Shape(name: "equivalence", config: model, batch: 4)

        // The trainer's path, with the bench's step config (optimizer, constant lr, seed).
        var config = TrainConfig(data: .init(dir: dataDir.path), model: model,
                                 train: .init(batchSize: shape.batch, steps: Self.steps),
                                 optim: TrainBenchmark.optim, schedule: ScheduleConfig(kind: .constant))
        config.seed = TrainBenchmark.seed
        config.train.logInterval = 1
        config.train.evalBatches = 2
        let run = try TrainingRun(config: config, directory: root.appendingPathComponent("run"), resume: false)
        #expect(try run.run() == .finished)
        let gradNorms = try readMetrics(run.files.metrics).compactMap { $0["grad_norm"] as? Double }
        #expect(gradNorms.count == Self.steps)
        #expect(gradNorms.allSatisfy { $0 > Double(TrainBenchmark.optim.gradClip) }, "the clip must bind: \(gradNorms)")

        // The same batches, drawn again from the trainer's sampler.
        var sampler = try BatchSampler(tokens: dataset.train, batchSize: shape.batch, context: model.contextLength,
                                       order: .random, seed: config.seed)
        let batches = (0..<Self.steps).map { _ in
            let b = sampler.next(), ids = [shape.batch, model.contextLength]
            return TrainingStep.MicroBatch(inputs: Indices(shape: ids, values: b.inputs), targets: Indices(shape: ids, values: b.targets))
        }

        // The bench's path.
        let bench = TrainBenchmark.Bench(shape, batches: batches)
        for _ in 0..<Self.steps { bench.step() }
        let trained = state(of: run.model)
        let differing = differences(state(of: bench.training.model), trained)
        #expect(differing.isEmpty, "tensors that differ between the trainer's and the bench's steps: \(differing)")
        if moe {  // the balancing bias moved (a path without the bias update would keep it at 0)
            #expect(trained.filter { $0.key.hasSuffix("expert_bias") }.values.contains { $0.contains { $0 != 0 } })
        }

        // Control: without the clip the same steps end elsewhere, so the comparison can fail.
        var unclipped = TrainBenchmark.optim
        unclipped.gradClip = 0
        let control = TrainingStep(model: model, optim: unclipped, seed: config.seed)
        for batch in batches { _ = control.step([batch], lr: Float(unclipped.lr)) }
        #expect(!differences(state(of: control.model), trained).isEmpty)
    }

    /// Every parameter and buffer, by name, as bit patterns.
    func state(of model: GPT) -> [String: [UInt32]] {
        var out: [String: [UInt32]] = [:]
        for p in model.namedParameters() { out[p.name] = p.tensor.scalars.map(\.bitPattern) }
        for b in model.namedBuffers() { out[b.name] = b.tensor.scalars.map(\.bitPattern) }
        return out
    }

    /// Names of the tensors whose bits differ (or that only one side has).
    func differences(_ a: [String: [UInt32]], _ b: [String: [UInt32]]) -> [String] {
        Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }
}
