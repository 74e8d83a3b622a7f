import Data
import Foundation
import NN
import RunSchema
import Tensor

/// The coordinate check of Yang et al. 2022 (Tensor Programs V, Fig. 5 and §D; microsoft/mup's
/// `get_coord_data`): train the same config for a few steps at several widths (and depths) and
/// watch the mean |activation| of each kind of layer output. Under μP (and CompleteP for depth)
/// every curve stays flat as the model grows; under SP the updates of wider models are too large
/// and the activations (the logits first) grow with width.
///
/// Every size trains on the same batches (the config's data, its seed) through the one
/// `TrainingStep`, at the constant learning rate `optim.lr` (a schedule's warmup would hide the
/// first steps). After each step (and at initialisation, step 0) one eval-mode forward over a
/// fixed validation batch records the activations through `ForwardContext.activations`.
public struct CoordinateCheck {
    public enum Axis: String, Sendable { case width, depth }
    public typealias Site = ActivationRecorder.Site

    /// One size after one step: mean |activation| per site (averaged over layers).
    public struct Measurement: Sendable {
        public var axis: Axis
        public var width: Int
        public var depth: Int
        public var step: Int
        public var meanAbs: [Site: Double]
        /// The size along the swept axis.
        public var size: Int { axis == .width ? width : depth }
    }

    public let config: TrainConfig
    /// Sizes of the two sweeps: widths at the config's n_layer, depths at its d_model.
    public let widths: [Int]
    public let depths: [Int]
    public let steps: Int

    /// Checks every size's config up front, so nothing trains when one of them is impossible.
    public init(config: TrainConfig, widths: [Int], depths: [Int] = [], steps: Int) throws {
        guard !widths.isEmpty || !depths.isEmpty else { throw TrainingError("coordinate check: give --widths and/or --depths") }
        guard steps >= 1 else { throw TrainingError("--steps must be ≥ 1, got \(steps)") }
        for (flag, sizes) in [("--widths", widths), ("--depths", depths)] {
            if let bad = sizes.first(where: { $0 < 1 }) { throw TrainingError("\(flag): sizes must be ≥ 1, got \(bad)") }
        }
        self.config = config
        self.widths = widths
        self.depths = depths
        self.steps = steps
        for (axis, size) in sizes {
            var sized = config
            sized.model = model(axis, size)
            do {
                try sized.model.validate()
                // Each size builds its model: one beyond the machine's memory is an error up front.
                try MemoryEstimate(sized).check(sized, availableBytes: Double(ProcessInfo.processInfo.physicalMemory))
            } catch let e as ConfigError {
                throw TrainingError("--\(axis.rawValue)s \(size): " + (e.path.first == "model" || e.path.first == "train" ? "" : "model.") + e.description)
            }
        }
    }

    var sizes: [(Axis, Int)] { widths.map { (.width, $0) } + depths.map { (.depth, $0) } }

    func model(_ axis: Axis, _ size: Int) -> GPTConfig {
        var m = config.model
        if axis == .width { m.dModel = size } else { m.nLayer = size }
        return m
    }

    /// Trains every size; `progress` gets one line per size.
    public func run(progress: (String) -> Void = { _ in }) throws -> [Measurement] {
        let dataDir = URL(fileURLWithPath: config.data.dir)
        let dataset = try TokenDataset(directory: dataDir, fallbackVocabSize: config.model.vocabSize,
                                       fallbackSource: "model.vocab_size")
        guard dataset.vocabSize <= config.model.vocabSize else {
            throw TrainingError("\(dataDir.path): the data's vocabulary has \(dataset.vocabSize) tokens but model.vocab_size is \(config.model.vocabSize)")
        }
        let context = config.model.contextLength, batch = config.train.batchSize
        for (name, split) in [("train", dataset.train), ("val", dataset.val)] where split.count <= context {
            throw TrainingError("model.context_length \(context) does not fit the \(name) split of \(dataDir.path) (\(split.count) tokens)")
        }
        var probe = TrainingStep.MicroBatch(batchSize: batch, context: context)
        var probeSampler = try BatchSampler(tokens: dataset.val, batchSize: batch, context: context, seed: config.seed)
        probe.fill { probeSampler.next(inputs: $0, targets: $1) }

        var out: [Measurement] = []
        for (axis, size) in sizes {
            let m = model(axis, size)
            let training = TrainingStep(model: m, optim: config.optim, seed: config.seed)
            var sampler = try BatchSampler(tokens: dataset.train, batchSize: batch, context: context, seed: config.seed)
            var microBatches = [TrainingStep.MicroBatch](repeating: probe, count: config.train.gradAccum)
            let recorder = ActivationRecorder()
            func measure(_ step: Int) {
                recorder.reset()
                Tensor.noGrad {
                    var ctx = ForwardContext(training: false, activations: recorder)
                    _ = training.model.logits(probe.inputs, context: &ctx)
                }
                var values: [Site: Double] = [:]
                for site in Site.allCases { values[site] = recorder.mean(site) }
                out.append(Measurement(axis: axis, width: m.dModel, depth: m.nLayer, step: step, meanAbs: values))
            }
            measure(0)
            var last = TrainingStep.Result(loss: .nan, gradNorm: .nan)
            for step in 1...steps {
                for i in microBatches.indices { microBatches[i].fill { sampler.next(inputs: $0, targets: $1) } }
                last = training.step(microBatches, lr: Float(config.optim.lr))
                measure(step)
            }
            progress("\(axis.rawValue) \(size) (d_model \(m.dModel), n_layer \(m.nLayer)): loss \(String(format: "%.4f", last.loss)) at step \(steps)")
        }
        return out
    }

    /// Least-squares slope of log mean|activation| against log size over one sweep at one step:
    /// 0 when the activations do not depend on the size (nil with fewer than two sizes).
    public static func slope(_ measurements: [Measurement], axis: Axis, site: Site, step: Int) -> Double? {
        let points = measurements.filter { $0.axis == axis && $0.step == step }
            .compactMap { m in m.meanAbs[site].map { (Foundation.log(Double(m.size)), Foundation.log($0)) } }
        guard points.count >= 2 else { return nil }
        let mx = points.map(\.0).reduce(0, +) / Double(points.count)
        let my = points.map(\.1).reduce(0, +) / Double(points.count)
        let sxx = points.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
        guard sxx > 0 else { return nil }
        return points.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +) / sxx
    }

    /// The printed report: per sweep, mean |activation| by size and step, then the slope of
    /// log mean|activation| against log size after each step.
    public static func table(_ measurements: [Measurement], parametrization: Parametrization) -> String {
        var lines: [String] = []
        let header = Site.allCases.map { $0.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(separator: " ")
        func cell(_ v: Double?) -> String {
            let text = v.map { $0.isFinite ? String(format: "%.4g", $0) : "\($0)" } ?? "-"
            return text.padding(toLength: 10, withPad: " ", startingAt: 0)
        }
        for axis in [Axis.width, .depth] {
            let rows = measurements.filter { $0.axis == axis }
            guard let first = rows.first else { continue }
            let fixed = axis == .width ? "n_layer \(first.depth)" : "d_model \(first.width)"
            lines.append("\(axis.rawValue) sweep (\(parametrization.rawValue), \(fixed)): mean |activation| after each step")
            lines.append("\(axis.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) step  \(header)")
            for m in rows {
                lines.append(String(format: "%6d %4d  ", m.size, m.step) + Site.allCases.map { cell(m.meanAbs[$0]) }.joined(separator: " "))
            }
            lines.append("slope of log mean|activation| vs log \(axis.rawValue) (0 = flat)")
            lines.append("       step  \(header)")
            for step in Set(rows.map(\.step)).sorted() {
                let slopes = Site.allCases.map { site in cell(slope(rows, axis: axis, site: site, step: step)) }
                lines.append(String(format: "       %4d  ", step) + slopes.joined(separator: " "))
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// One CSV row per (sweep, size, step): axis,d_model,n_layer,step,<site>…
    public static func csv(_ measurements: [Measurement]) -> String {
        var text = "axis,d_model,n_layer,step," + Site.allCases.map(\.rawValue).joined(separator: ",") + "\n"
        for m in measurements {
            let values = Site.allCases.map { m.meanAbs[$0].map { String($0) } ?? "" }
            text += "\(m.axis.rawValue),\(m.width),\(m.depth),\(m.step)," + values.joined(separator: ",") + "\n"
        }
        return text
    }
}
