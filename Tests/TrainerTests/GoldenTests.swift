import Foundation
import NN
import RunSchema
import Tensor
import Testing
import Trainer

/// llm.c's test_gpt2 idea against PyTorch: the fixtures (written by Fixtures/make_golden_gpt.py)
/// hold a tiny GPT's weights, a batch, and PyTorch's logits, loss, every gradient and the losses
/// of 5 AdamW steps (clipped to norm 1), which the trainer's `TrainingStep` must reproduce.
@Suite struct GoldenTests {
    struct Fixture {
        let file: SafeTensors.File
        let config: GPTConfig

        init(_ name: String) throws {
            let url = try #require(Bundle.module.url(forResource: "golden_\(name)", withExtension: "safetensors", subdirectory: "Fixtures"))
            file = try SafeTensors.open(url)
            let configText = try #require(file.metadata["config"])
            config = try JSONDecoder().decode(GPTConfig.self, from: Data(configText.utf8))
        }

        func tensor(_ name: String) throws -> [Float] {
            let shape = try #require(file.tensors[name]).shape
            var out = [Float](repeating: 0, count: shape.reduce(1, *))
            try out.withUnsafeMutableBufferPointer { try file.read(name, shape: shape, into: $0.baseAddress!) }
            return out
        }

        func indices(_ name: String) throws -> Indices {
            Indices(shape: try #require(file.tensors[name]).shape, values: try tensor(name).map { Int32($0) })
        }
    }

    /// max |a − b| / max |b|: a relative error that is not fooled by tiny elements.
    func relativeError(_ a: [Float], _ b: [Float]) -> Double {
        let diff = zip(a, b).map { Double(abs($0 - $1)) }.max() ?? 0
        return diff / max(Double(b.map { abs($0) }.max() ?? 0), 1e-12)
    }

    @Test(arguments: ["gpt2", "llama"])
    func forwardBackwardAndAdamWMatchPyTorch(_ name: String) throws {
        let f = try Fixture(name)
        var optim = TrainConfig.OptimConfig(lr: 1e-2)
        optim.beta1 = 0.9; optim.beta2 = 0.95; optim.eps = 1e-8; optim.weightDecay = 0.1; optim.gradClip = 1
        let training = TrainingStep(model: f.config, optim: optim, seed: 0)
        let model = training.model, arena = training.params
        for p in arena.entries { p.tensor.assign(Tensor(shape: p.tensor.shape, scalars: try f.tensor("param." + p.name))) }
        let ids = try f.indices("ids"), targets = try f.indices("targets")

        var context = ForwardContext(training: true)
        let logits = model.logits(ids, context: &context)
        #expect(relativeError(logits.scalars, try f.tensor("logits")) < 1e-5)
        let loss = crossEntropy(logits: logits, targets: targets)
        let lossText = try #require(f.file.metadata["loss"])
        let torchLoss = try #require(Double(lossText))
        #expect(abs(Double(loss.item()) - torchLoss) / torchLoss < 1e-4)

        arena.zeroGrad()
        loss.backward()
        for p in arena.entries {
            let err = relativeError(p.tensor.grad!.scalars, try f.tensor("grad." + p.name))
            #expect(err < 1e-3, "gradient of \(p.name): relative error \(err)")
        }

        let stepLosses = try #require(f.file.metadata["step_losses"])
        let expected = try JSONDecoder().decode([Double].self, from: Data(stepLosses.utf8))
        let batch = TrainingStep.MicroBatch(inputs: ids, targets: targets)
        for (step, torchStep) in expected.enumerated() {
            let l = training.step([batch], lr: 1e-2)  // the loss before this step's update
            #expect(abs(l.loss - torchStep) / torchStep < 1e-4, "step \(step): \(l.loss) vs PyTorch \(torchStep)")
        }
    }
}
