/// # Trainer
///
/// Runs one training job from a `TrainConfig`: builds the GPT, streams batches from token files,
/// steps it under an LR schedule (`TrainingStep`, the one optimizer step that `bench train` and
/// the throughput probe time too), evaluates on fixed validation batches every `eval_interval`
/// steps, logs metrics.jsonl, checkpoints (safetensors, atomically) and resumes exactly, and at the
/// end scores the val split's windows (Evaluation.swift) for summary.json, written last.
/// CoordinateCheck.swift trains a config for a few steps per width/depth (`check coords`).
/// Using a trained model: TrainedModel.swift loads a run or checkpoint, Generation.swift samples
/// (`sample`), CheckpointEvaluation.swift scores a split (`eval`), HFExport.swift and
/// HFTokenizer.swift write a Hugging Face model directory (`export`), SampleBenchmark.swift times
/// generation (`bench sample`).
import Data
import Foundation
import NN
import RunSchema
import Tensor

/// What a run reports while it trains.
public protocol TrainingObserver: AnyObject {
    func started(_ run: TrainingRun)
    func logged(_ record: StepRecord, of run: TrainingRun)
    func message(_ text: String)
}

/// One logged step (the numbers of a metrics.jsonl line).
public struct StepRecord: Sendable {
    public var step: Int
    public var tokens: Double
    public var flops: Double
    public var lr: Double
    public var loss: Double
    public var gradNorm: Double
    public var tokensPerS: Double
    public var elapsed: Double
    public var valLoss: Double?
    /// `valLoss` in bits per byte; nil when the data has no tokenizer.
    public var valBpb: Double?
    /// Model FLOP utilisation over the logging window (see `TrainingRun.mfu`).
    public var mfu: Double?
}

public final class TrainingRun {
    public let config: TrainConfig
    public let files: RunFiles
    /// The model, its parameter arena, AdamW and the dropout stream, stepped by `run()`.
    public let trainingStep: TrainingStep
    public var model: GPT { trainingStep.model }
    public let accounting: ModelAccounting
    public let totalSteps: Int
    public private(set) var step = 0
    public private(set) var bestValLoss: Double?
    var params: ParameterArena { trainingStep.params }
    var optimizer: AdamW { trainingStep.optimizer }
    let dataset: TokenDataset
    /// What the sampler draws from: the training split, or its first `data.train_subset_tokens`.
    let trainTokens: TokenStream
    /// The val split's UTF-8 bytes per token (Evaluation.swift), for bits per byte; nil when the
    /// data has no tokenizer.
    public let valBytesPerToken: Double?
    var sampler: BatchSampler
    let evalBatches: FixedEvalBatches
    let finalWindows: EvalWindows
    let schedule: LRSchedule
    /// Wall time of earlier sessions of this run (restored from the checkpoint).
    var priorElapsed = 0.0
    var sessionStart = monotonicSeconds()
    weak var observer: TrainingObserver?
    /// Stop (checkpointed, resumable) once this many steps are done: time-slicing a long run,
    /// and testing exact resume.
    public var stopAtStep: Int?

    /// The train loss of the last step taken (restored on resume, for summary.json).
    var lastLoss = Double.nan
    /// The metrics.jsonl line of the last logged step, which checkpoints record.
    var lastLogged: (step: Int, line: Data)?
    /// Held while this object lives: no other process trains into the directory.
    let lock: RunDirectoryLock

    /// Set by SIGINT/SIGTERM/SIGHUP (or the parent watch): the loop checkpoints and stops at the
    /// next step boundary.
    nonisolated(unsafe) public static var stopRequested: sig_atomic_t = 0

    /// Prepares a run in `directory`. With `resume`, continues from its checkpoint when there is
    /// one; without, the directory must not already hold a run.
    public init(config: TrainConfig, directory: URL, resume: Bool, observer: TrainingObserver? = nil) throws {
        self.config = config
        self.observer = observer
        files = RunFiles(directory)
        totalSteps = config.totalSteps
        accounting = config.model.accounting
        // Before anything is created or allocated: an oversized config is a config error.
        try MemoryEstimate(config).check(config, availableBytes: Double(ProcessInfo.processInfo.physicalMemory))
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw TrainingError("\(directory.path): cannot create the run directory (\(FileErrors.reason(error)))")
        }
        lock = try RunDirectoryLock(files)
        let leftovers = files.removeTemporaryFiles()
        if !leftovers.isEmpty { observer?.message("removed \(leftovers.count) temporary file(s) an interrupted write left behind") }
        if !resume && !files.isEmpty {
            throw TrainingError("\(directory.path) already holds a run; pass --resume to continue it or choose another --out")
        }
        if resume { try Self.checkResumeConfig(config, files: files) }

        let dataDir = URL(fileURLWithPath: config.data.dir)
        dataset = try TokenDataset(directory: dataDir, fallbackVocabSize: config.model.vocabSize,
                                   fallbackSource: "model.vocab_size")
        guard dataset.vocabSize <= config.model.vocabSize else {
            throw TrainingError("\(dataDir.path): the data's vocabulary has \(dataset.vocabSize) tokens (\(dataset.vocabSource)) but model.vocab_size is \(config.model.vocabSize)")
        }
        for (name, split) in [("train", dataset.train), ("val", dataset.val)] where split.count <= config.model.contextLength {
            throw TrainingError("model.context_length \(config.model.contextLength) does not fit the \(name) split of \(dataDir.path) (\(split.count) tokens)")
        }
        do { try config.data.checkSubset(trainSplit: dataset.train.count) } catch { throw TrainingError("\(error)") }
        let split = dataset.train
        trainTokens = config.data.trainSubsetTokens.map { split.prefix($0) } ?? split
        valBytesPerToken = Self.bytesPerToken(of: dataset, observer: observer)
        let context = config.model.contextLength, batch = config.train.batchSize
        sampler = try BatchSampler(tokens: trainTokens, batchSize: batch, context: context,
                                   order: SamplingOrder(rawValue: config.data.sampling) ?? .random, seed: config.seed)
        evalBatches = try FixedEvalBatches(tokens: dataset.val, batchSize: batch, context: context, batches: config.train.evalBatches)
        finalWindows = try EvalWindows(tokens: dataset.val, context: context, maxTokens: config.train.finalEvalTokens)

        trainingStep = TrainingStep(model: config.model, optim: config.optim, seed: config.seed)
        schedule = LRSchedule(config.schedule, peak: config.optim.lr, totalSteps: totalSteps)

        if resume && files.hasCheckpoint {
            let state = try restore(from: files.checkpoint, carryTime: true)
            try MetricsWriter.truncate(files.metrics, afterStep: step)
            try restoreLoggedRow(state)
        } else {
            try? FileManager.default.removeItem(at: files.metrics)
            if let initFrom = config.initFrom {
                try restore(from: URL(fileURLWithPath: initFrom.checkpoint), carryTime: false)
                startStep = step
            }
        }
        if resume, case .unreadable(let reason) = files.summaryState {
            // A finished run's result is rebuilt from its final checkpoint (the final eval is
            // deterministic); the unreadable file is kept aside, never silently replaced, and
            // only once the run could be restored (until then `sweep status` still reports it).
            guard rename(files.summary.path, files.corruptSummary.path) == 0 else {
                throw TrainingError("\(files.summary.path): unreadable (\(reason)) and cannot be moved aside: \(String(cString: strerror(errno)))")
            }
            observer?.message("\(files.summary.path): unreadable (\(reason)); moved to \(files.corruptSummary.lastPathComponent), rebuilding it from the checkpoint")
        }
        try config.jsonData().write(to: files.config, options: .atomic)
    }

    /// Resuming under a different config would mix two runs in one directory, so the check fails
    /// closed: a run whose recorded config.json is unreadable, or missing beside a checkpoint,
    /// does not resume.
    static func checkResumeConfig(_ config: TrainConfig, files: RunFiles) throws {
        let path = files.config.path
        guard FileManager.default.fileExists(atPath: path) else {
            if files.hasCheckpoint {
                throw TrainingError("\(path): missing beside a checkpoint, so --resume cannot check that the config is the same; restore it or choose another --out")
            }
            return
        }
        let previous: TrainConfig
        do {
            let data: Data
            do { data = try Data(contentsOf: files.config) } catch { throw ConfigError([], "\(path): \(FileErrors.reason(error))") }
            previous = try ConfigLoading.decode(TrainConfig.self, from: data, source: path)
        } catch {
            throw TrainingError("\(error); --resume cannot check that the config is the same as the run's, so it does not continue (restore the file or choose another --out)")
        }
        if previous != config {
            throw TrainingError("\(path): the run was started with a different config (\(TrainingRun.firstDifference(previous, config))); resuming would mix the two — choose another --out")
        }
    }

    /// A resume at a logged step whose metrics line was lost (cut short by a kill, so the
    /// truncation dropped it) writes the line back from the checkpoint, which recorded it.
    func restoreLoggedRow(_ state: TrainingCheckpoint) throws {
        guard let line = state.lastRecord else { return }
        let last = (try? MetricsFile.read(files.metrics))?.lastStep ?? 0
        guard last < step else { return }
        try MetricsWriter(files.metrics).append(line: Data(line.utf8))
    }

    /// The first field (section.field) where two configs differ, for messages.
    static func firstDifference(_ a: TrainConfig, _ b: TrainConfig) -> String {
        func object(_ config: TrainConfig) -> [String: Any] {
            (try? config.jsonData()).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        }
        /// Canonical text of a JSON value (sorted keys), so equal values compare equal.
        func text(_ value: Any?) -> String {
            guard let value else { return "none" }
            guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else { return "\(value)" }
            return String(decoding: data, as: UTF8.self)
        }
        let (x, y) = (object(a), object(b))
        for key in Set(x.keys).union(y.keys).sorted() where text(x[key]) != text(y[key]) {
            let (xs, ys) = (x[key] as? [String: Any] ?? [:], y[key] as? [String: Any] ?? [:])
            for sub in Set(xs.keys).union(ys.keys).sorted() where text(xs[sub]) != text(ys[sub]) {
                return "\(key).\(sub): \(text(xs[sub])) → \(text(ys[sub]))"
            }
            return key
        }
        return "unknown field"
    }

    @discardableResult
    private func restore(from url: URL, carryTime: Bool) throws -> TrainingCheckpoint {
        let state = try TrainingCheckpoint.load(from: url, model: model, params: params, optimizer: optimizer)
        guard state.step <= totalSteps else {
            throw TrainingError("\(url.path): checkpoint is at step \(state.step), beyond this run's \(totalSteps) steps")
        }
        step = state.step
        optimizer.step = state.adamStep
        trainingStep.dropoutRNG = state.dropoutRNG
        sampler = try BatchSampler(tokens: trainTokens, restoring: state.sampler)
        bestValLoss = carryTime ? state.bestValLoss : nil
        priorElapsed = carryTime ? state.elapsed : 0
        if carryTime { lastLoss = state.lastLoss ?? Self.loggedLoss(at: step, in: files.metrics) ?? .nan }
        if carryTime { peakGFLOPs = state.peakGFLOPs; startStep = state.startStep ?? 0 }
        return state
    }

    /// The train loss metrics.jsonl logged for `step` (checkpoints older than `last_loss`).
    static func loggedLoss(at step: Int, in url: URL) -> Double? {
        (try? MetricsFile.read(url))?.records.last { $0.step == step }?["loss"]
    }

    public var elapsed: Double { priorElapsed + monotonicSeconds() - sessionStart }
    public var tokensPerStep: Int { config.tokensPerStep }
    public var flopsPerToken: Double { accounting.flopsPerToken(config.model.flopAccounting) }
    /// The step this run's own training began at: 0, or its `init_from` checkpoint's step (a WSD
    /// branch trains only its cooldown). Throughput and MFU in summary.json count from here.
    public private(set) var startStep = 0
    /// The FMA peak at the run's thread budget, measured (50 ms) when it first starts and kept in
    /// its checkpoints, so resumed sessions and a rebuilt summary report MFU against one figure.
    public private(set) var peakGFLOPs: Double?

    /// Model FLOPs per second at `tokensPerS` over the measured peak. Model FLOPs count every
    /// matmul, attention and the unembedding (`full`), whatever accounting the scaling laws use,
    /// so MFU means the same for every config.
    public func mfu(tokensPerS: Double) -> Double? {
        guard let peak = peakGFLOPs, peak > 0 else { return nil }
        return (tokensPerS * accounting.flopsPerToken(.full) / (peak * 1e9) * 1e4).rounded() / 1e4
    }
    /// Per block, the router statistics of the last logged training step's (last) micro-batch;
    /// nil for dense blocks.
    var routerStats: [MoEStats?] = []

    public enum Outcome: Equatable {
        /// `interrupted`: by a signal; `stopped`: at `stopAtStep`. Both leave a checkpoint.
        case finished, diverged, interrupted, stopped
    }

    /// Trains to the end of the budget (or until SIGINT/SIGTERM), then writes summary.json.
    public func run() throws -> Outcome {
        if files.hasSummary { return .finished }
        if peakGFLOPs == nil { peakGFLOPs = FMAPeak.measure(threads: Threads.count, seconds: 0.05).total_gflops }
        observer?.started(self)
        let writer = try MetricsWriter(files.metrics)
        let microBatch = TrainingStep.MicroBatch(batchSize: config.train.batchSize, context: config.model.contextLength)
        var microBatches = [TrainingStep.MicroBatch](repeating: microBatch, count: config.train.gradAccum)
        var windowStart = monotonicSeconds(), windowTokens = 0.0
        sessionStart = monotonicSeconds()

        while step < totalSteps {
            if TrainingRun.stopRequested != 0 || step == stopAtStep {
                try saveCheckpoint()
                let why = TrainingRun.stopRequested != 0 ? "interrupted" : "stopped"
                observer?.message("\(why) at step \(step); checkpoint saved, --resume continues")
                return TrainingRun.stopRequested != 0 ? .interrupted : .stopped
            }
            let lr = schedule.lr(step: step)
            for i in microBatches.indices { microBatches[i].fill { sampler.next(inputs: $0, targets: $1) } }
            let result = trainingStep.step(microBatches, lr: Float(lr))
            let (loss, gradNorm) = (result.loss, result.gradNorm)
            step += 1
            guard result.isFinite else {
                let what = loss.isFinite ? "gradient norm" : "loss"
                try finish(.diverged, reason: "\(what) became \(loss.isFinite ? gradNorm : loss) at step \(step)", lastLoss: loss, final: nil)
                observer?.message("diverged: \(what) is not finite at step \(step)")
                return .diverged
            }
            lastLoss = loss
            windowTokens += Double(tokensPerStep)

            let isEval = step % config.train.evalInterval == 0 || step == totalSteps
            if step % config.train.logInterval == 0 || isEval || step == 1 {
                // Read before evaluation: its forwards overwrite the layers' statistics.
                routerStats = model.blocks.map { ($0.ffn as? MixtureOfExperts)?.lastStats }
                let now = monotonicSeconds()
                var record = StepRecord(step: step, tokens: Double(step * tokensPerStep), flops: Double(step * tokensPerStep) * flopsPerToken,
                                        lr: lr, loss: loss, gradNorm: gradNorm, tokensPerS: windowTokens / max(now - windowStart, 1e-9),
                                        elapsed: elapsed)
                record.mfu = mfu(tokensPerS: record.tokensPerS)
                if isEval {
                    let v = evaluate()
                    record.valLoss = v
                    record.valBpb = valBytesPerToken.map { bitsPerByte(loss: v, bytesPerToken: $0) }
                    if v.isFinite && v < (bestValLoss ?? .infinity) { bestValLoss = v }
                }
                let line = try MetricsWriter.encode(metricsLine(record))
                try writer.append(line: line)
                lastLogged = (step, line)
                observer?.logged(record, of: self)
                windowStart = monotonicSeconds()
                windowTokens = 0
            }
            if step % config.train.checkpointInterval == 0 || step == totalSteps || config.train.keepCheckpointsAt.contains(step) {
                try saveCheckpoint()
            }
        }
        // The last step always saves a checkpoint, so a run stopped during the final eval resumes
        // straight into it.
        guard let final = finalEvaluation() else {
            observer?.message("interrupted during the final eval; checkpoint saved, --resume scores it")
            return .interrupted
        }
        try finish(.finished, reason: nil, lastLoss: lastLoss, final: final)
        return .finished
    }

    func saveCheckpoint() throws {
        let logged = lastLogged.flatMap { $0.step == step ? String(decoding: $0.line.dropLast(), as: UTF8.self) : nil }
        let state = TrainingCheckpoint(step: step, adamStep: optimizer.step, elapsed: elapsed, bestValLoss: bestValLoss,
                                       dropoutRNG: trainingStep.dropoutRNG, sampler: sampler.state,
                                       lastLoss: lastLoss, lastRecord: logged, peakGFLOPs: peakGFLOPs, startStep: startStep)
        try TrainingCheckpoint.save(state, model: model, params: params, optimizer: optimizer, to: files.checkpoint)
        if config.train.keepCheckpointsAt.contains(step) {
            // Copy to a temporary name, then rename over: a branch never starts from half a file.
            let kept = files.checkpoint(step: step)
            let partial = kept.deletingLastPathComponent().appendingPathComponent(".\(kept.lastPathComponent).partial")
            try? FileManager.default.removeItem(at: partial)
            try FileManager.default.copyItem(at: files.checkpoint, to: partial)
            guard rename(partial.path, kept.path) == 0 else {
                throw TrainingError("cannot write \(kept.path): \(String(cString: strerror(errno)))")
            }
        }
    }

    func metricsLine(_ r: StepRecord) -> [String: Any] {
        var line: [String: Any] = [
            "step": r.step, "tokens": r.tokens, "flops": r.flops, "lr": r.lr, "loss": r.loss,
            "grad_norm": r.gradNorm, "tokens_per_s": (r.tokensPerS * 10).rounded() / 10, "elapsed_s": (r.elapsed * 1000).rounded() / 1000,
        ]
        if let v = r.valLoss { line["val_loss"] = v }
        if let b = r.valBpb, b.isFinite { line["val_bpb"] = b }
        if let m = r.mfu { line["mfu"] = m }
        let moe = routerStats.enumerated().compactMap { i, stats -> [String: Any]? in
            guard let s = stats else { return nil }
            return ["layer": i, "load": s.load.map(Double.init), "aux_loss": Double(s.auxLoss), "z_loss": Double(s.zLoss),
                    "drop_rate": Double(s.dropRate), "max_load_ratio": Double(s.maxLoadRatio)]
        }
        if !moe.isEmpty { line["moe"] = moe }
        return line
    }

    /// Writes summary.json. `final` is the final eval of a finished run; its time counts in the
    /// run's wall time.
    func finish(_ status: RunSummary.Status, reason: String?, lastLoss: Double, final: EvalEstimate?) throws {
        let tokens = Double(step * tokensPerStep)
        let elapsed = self.elapsed  // one reading: wall time, tokens/s and MFU must agree
        let trained = Double((step - startStep) * tokensPerStep)  // this run's own tokens
        let ratios = routerStats.compactMap { $0.map { Double($0.maxLoadRatio) } }
        let m = config.model.moe
        let finalValLoss = final.flatMap { $0.loss.isFinite ? $0.loss : nil }
        let summary = RunSummary(
            status: status, reason: reason, steps: step, tokens: tokens, flops: tokens * flopsPerToken,
            flopsPerToken: flopsPerToken, flopAccounting: config.model.flopAccounting.rawValue,
            params: accounting.totalParams, paramsNonEmbedding: accounting.nonEmbeddingParams,
            paramsActive: accounting.activeParams, paramsActiveNonEmbedding: accounting.activeNonEmbeddingParams,
            finalTrainLoss: lastLoss.isFinite ? lastLoss : nil,
            // Non-finite values are left out: JSON has no NaN, and summary.json must still be written.
            finalValLoss: finalValLoss,
            finalValLossSE: final?.standardError.flatMap { $0.isFinite ? $0 : nil }, finalEvalTokens: final?.tokens,
            finalValBpb: valBytesPerToken.flatMap { b in finalValLoss.map { bitsPerByte(loss: $0, bytesPerToken: b) } },
            bytesPerToken: valBytesPerToken,
            bestValLoss: bestValLoss,
            wallTimeS: elapsed, tokensPerS: trained / max(elapsed, 1e-9), schedule: config.schedule.kind.rawValue,
            experts: m?.routedExperts, topK: m?.activeExperts, sparsity: m == nil ? nil : accounting.sparsity,
            moeMaxLoadRatios: ratios.isEmpty ? nil : ratios, moeMaxLoadRatio: ratios.max(),
            dModel: config.model.dModel, nLayer: config.model.nLayer, seed: config.seed,
            epochs: tokens / Double(max(config.data.epochTokens(trainSplit: dataset.train.count), 1)),
            mfu: mfu(tokensPerS: trained / max(elapsed, 1e-9)), peakGFLOPs: peakGFLOPs)
        try summary.write(to: files.summary)
    }
}

/// The run directory's `train.lock` (`RunLock`), released when this is freed: on every return or
/// throw out of a run. A process that dies without releasing leaves a stale lock the next one
/// takes over.
public final class RunDirectoryLock {
    let url: URL
    /// False when this process already held the lock (a second `TrainingRun` on the directory
    /// in one process, as tests build them): the first holder releases it.
    let owned: Bool

    init(_ files: RunFiles) throws {
        url = files.lock
        let owner: LockOwner?
        do { owner = try RunLock.acquire(url) } catch { throw TrainingError("\(error)") }
        if let owner, owner.pid != getpid() || owner.host != hostName() {
            throw TrainingError("\(files.directory.path): another train process (\(owner.summary)) is using this run directory")
        }
        owned = owner == nil
    }

    deinit { if owned { RunLock.release(url) } }
}

public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
