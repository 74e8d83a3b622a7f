import Data
import Foundation
import NN
import RunSchema
import Tensor

/// Everything needed to continue a run exactly: weights, AdamW moments, buffers (MoE balancing
/// bias), the step, the dropout RNG, the data sampler's position, and bookkeeping. Tensor names
/// are PyTorch state-dict keys; moments are `optim.m.<name>` / `optim.v.<name>`; the rest is in
/// the safetensors `__metadata__`.
struct TrainingCheckpoint {
    static let format = "windtunnel-checkpoint-1"

    var step: Int
    var adamStep: Int
    var elapsed: Double
    var bestValLoss: Double?
    var dropoutRNG: RandomState
    var sampler: SamplerState
    /// The train loss of the last step and its metrics.jsonl line when that step was logged:
    /// a resume re-logs the line if the log lost it (a torn last line), and a run stopped
    /// after its last step still reports its final train loss. Absent in older checkpoints.
    var lastLoss: Double? = nil
    var lastRecord: String? = nil
    /// The FMA peak measured when the run first started: MFU keeps one denominator across
    /// resumes and a summary rebuilt from the checkpoint. Absent in older checkpoints.
    var peakGFLOPs: Double? = nil
    /// The step the run's own training began at (`TrainingRun.startStep`; absent before it).
    var startStep: Int? = nil

    static func save(_ s: TrainingCheckpoint, model: GPT, params: ParameterArena, optimizer: AdamW, to url: URL) throws {
        var entries: [SafeTensors.Entry] = []
        for e in params.entries {
            entries.append(.init(name: e.name, shape: e.tensor.shape, values: .init(start: params.values.pointer + e.offset, count: e.count)))
        }
        for e in params.entries {
            entries.append(.init(name: "optim.m." + e.name, shape: e.tensor.shape, values: .init(start: optimizer.m.pointer + e.offset, count: e.count)))
            entries.append(.init(name: "optim.v." + e.name, shape: e.tensor.shape, values: .init(start: optimizer.v.pointer + e.offset, count: e.count)))
        }
        for (name, t) in model.namedBuffers() {
            entries.append(.init(name: name, shape: t.shape, values: .init(start: t.data, count: t.count)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata: [String: String] = [
            "format": format,
            "step": String(s.step),
            "adam_step": String(s.adamStep),
            "elapsed_s": String(s.elapsed),
            "dropout_rng": String(decoding: try encoder.encode(s.dropoutRNG), as: UTF8.self),
            "sampler": String(decoding: try encoder.encode(s.sampler), as: UTF8.self),
            "model": String(decoding: try encoder.encode(model.config), as: UTF8.self),
        ]
        if let best = s.bestValLoss { metadata["best_val_loss"] = String(best) }
        if let loss = s.lastLoss, loss.isFinite { metadata["last_loss"] = String(loss) }
        if let record = s.lastRecord { metadata["last_record"] = record }
        if let peak = s.peakGFLOPs { metadata["peak_gflops"] = String(peak) }
        if let start = s.startStep { metadata["start_step"] = String(start) }
        try SafeTensors.write(entries, metadata: metadata, to: url)
    }

    /// Loads into an already built model/arena/optimizer of the same shape; throws a
    /// `CheckpointError` naming the file for anything missing, mismatched or corrupt. A NaN or
    /// infinity in the state is corruption: a run never saves one (a non-finite step ends it as
    /// diverged before the next checkpoint), so it must not resume and be recorded as a divergence.
    static func load(from url: URL, model: GPT, params: ParameterArena, optimizer: AdamW) throws -> TrainingCheckpoint {
        let file = try SafeTensors.open(url)
        let meta = file.metadata
        func field(_ key: String) throws -> String {
            guard let v = meta[key] else { throw CheckpointError("\(url.path): corrupt checkpoint: metadata lacks '\(key)'") }
            return v
        }
        guard meta["format"] == format else {
            throw CheckpointError("\(url.path): not a WindTunnel training checkpoint (format '\(meta["format"] ?? "none")', expected '\(format)')")
        }
        if let saved = meta["model"], let config = try? JSONDecoder().decode(GPTConfig.self, from: Data(saved.utf8)),
           config != model.config {
            throw CheckpointError("\(url.path): checkpoint was saved for a different model (d_model \(config.dModel), n_layer \(config.nLayer), vocab \(config.vocabSize)) than the config describes (d_model \(model.config.dModel), n_layer \(model.config.nLayer), vocab \(model.config.vocabSize))")
        }
        func read(_ name: String, shape: [Int], into destination: UnsafeMutablePointer<Float>) throws {
            try file.read(name, shape: shape, into: destination)
            let values = UnsafeBufferPointer(start: destination, count: shape.reduce(1, *))
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw CheckpointError("\(url.path): corrupt checkpoint: tensor '\(name)' holds \(values[bad]) at index \(bad); a run never saves non-finite values")
            }
        }
        for e in params.entries {
            try read(e.name, shape: e.tensor.shape, into: params.values.pointer + e.offset)
            try read("optim.m." + e.name, shape: e.tensor.shape, into: optimizer.m.pointer + e.offset)
            try read("optim.v." + e.name, shape: e.tensor.shape, into: optimizer.v.pointer + e.offset)
        }
        for (name, t) in model.namedBuffers() {
            t.makeUnique()
            try read(name, shape: t.shape, into: t.data)
        }
        let decoder = JSONDecoder()
        guard let step = Int(try field("step")), let adamStep = Int(try field("adam_step")),
              let elapsed = Double(try field("elapsed_s")),
              let rng = try? decoder.decode(RandomState.self, from: Data(try field("dropout_rng").utf8)),
              let sampler = try? decoder.decode(SamplerState.self, from: Data(try field("sampler").utf8)) else {
            throw CheckpointError("\(url.path): corrupt checkpoint: unreadable step/RNG/sampler metadata")
        }
        return TrainingCheckpoint(step: step, adamStep: adamStep, elapsed: elapsed,
                                  bestValLoss: meta["best_val_loss"].flatMap(Double.init), dropoutRNG: rng, sampler: sampler,
                                  lastLoss: meta["last_loss"].flatMap(Double.init), lastRecord: meta["last_record"],
                                  peakGFLOPs: meta["peak_gflops"].flatMap(Double.init),
                                  startStep: meta["start_step"].flatMap(Int.init))
    }
}
