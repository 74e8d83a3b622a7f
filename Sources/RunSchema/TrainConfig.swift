import Foundation

/// A training run, as read from a JSON config (strict: unknown keys are errors). Sections:
/// `data`, `model` (a `GPTConfig`), `train` (batch and budget), `optim` (AdamW), `schedule`, and
/// optionally `init_from` (start from another run's checkpoint: WSD cooldown branches).
public struct TrainConfig: Codable, Equatable, Sendable {
    public var seed: UInt64 = 1337
    public var data: DataConfig
    public var model: GPTConfig
    public var train: BudgetConfig
    public var optim: OptimConfig
    public var schedule: ScheduleConfig
    public var initFrom: InitFrom?

    public struct DataConfig: Codable, Equatable, Sendable {
        /// Directory with train.bin/val.bin/meta.json (or llm.c shards); relative to the working
        /// directory.
        public var dir: String
        /// `random` windows (nanoGPT), `sequential` non-overlapping windows in order, or
        /// `shuffled` non-overlapping windows in a seeded order per epoch (both without replacement).
        public var sampling: String = "random"
        /// Train only on the first K tokens of the training split (repeated-data experiments: a
        /// fixed model over a K-token subset for many epochs); every sampling order draws its
        /// windows from them alone. nil: the whole split. The val split is never cut.
        public var trainSubsetTokens: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case dir, sampling, trainSubsetTokens = "train_subset_tokens" }
        public init(dir: String) { self.dir = dir }
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            dir = try c.decode(String.self, forKey: .dir)
            sampling = try c.decodeIfPresent(String.self, forKey: .sampling) ?? sampling
            trainSubsetTokens = try c.decodeIfPresent(Int.self, forKey: .trainSubsetTokens)
        }

        /// The training tokens an epoch covers, given the training split's size: the subset when
        /// there is one. summary.json's `epochs` (tokens trained / this) and the sweep's
        /// `isoflop.max_epochs` both count epochs over it.
        public func epochTokens(trainSplit: Int) -> Int { min(trainSubsetTokens ?? trainSplit, trainSplit) }

        /// The check of `train_subset_tokens` that needs the data: the subset must lie within the
        /// training split (`validate` checks it against the context length).
        public func checkSubset(trainSplit: Int) throws {
            guard let k = trainSubsetTokens, k > trainSplit else { return }
            throw ConfigError(["data", "train_subset_tokens"],
                              "expected at most the \(trainSplit) tokens of the training split of \(dir), got \(k)")
        }
    }

    /// Batch geometry, budget and cadence. The budget is exactly one of `tokens`, `steps`, `flops`.
    public struct BudgetConfig: Codable, Equatable, Sendable {
        public var batchSize: Int
        public var gradAccum = 1
        public var tokens: Double?
        public var steps: Int?
        public var flops: Double?
        public var evalInterval = 250
        public var evalBatches = 20
        /// The final eval (summary.json's `final_val_loss`) scores the whole val split in
        /// non-overlapping windows. When the split holds more than this many tokens, it scores
        /// ⌈final_eval_tokens / T⌉ evenly spaced windows instead. nil (JSON null) means always the
        /// whole split.
        public var finalEvalTokens: Int? = 1 << 19
        public var logInterval = 10
        public var checkpointInterval = 500
        /// Extra checkpoints kept as checkpoint_step<N>.safetensors (WSD branch points).
        public var keepCheckpointsAt: [Int] = []

        enum CodingKeys: String, CodingKey, CaseIterable {
            case batchSize = "batch_size", gradAccum = "grad_accum", tokens, steps, flops
            case evalInterval = "eval_interval", evalBatches = "eval_batches", finalEvalTokens = "final_eval_tokens"
            case logInterval = "log_interval"
            case checkpointInterval = "checkpoint_interval", keepCheckpointsAt = "keep_checkpoints_at"
        }
        public init(batchSize: Int, steps: Int) { self.batchSize = batchSize; self.steps = steps }
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            batchSize = try c.decode(Int.self, forKey: .batchSize)
            gradAccum = try c.decodeIfPresent(Int.self, forKey: .gradAccum) ?? gradAccum
            tokens = try c.decodeIfPresent(Double.self, forKey: .tokens)
            steps = try c.decodeIfPresent(Int.self, forKey: .steps)
            flops = try c.decodeIfPresent(Double.self, forKey: .flops)
            evalInterval = try c.decodeIfPresent(Int.self, forKey: .evalInterval) ?? evalInterval
            evalBatches = try c.decodeIfPresent(Int.self, forKey: .evalBatches) ?? evalBatches
            if c.contains(.finalEvalTokens) { finalEvalTokens = try c.decodeIfPresent(Int.self, forKey: .finalEvalTokens) }
            logInterval = try c.decodeIfPresent(Int.self, forKey: .logInterval) ?? logInterval
            checkpointInterval = try c.decodeIfPresent(Int.self, forKey: .checkpointInterval) ?? checkpointInterval
            keepCheckpointsAt = try c.decodeIfPresent([Int].self, forKey: .keepCheckpointsAt) ?? keepCheckpointsAt
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(batchSize, forKey: .batchSize)
            try c.encode(gradAccum, forKey: .gradAccum)
            try c.encodeIfPresent(tokens, forKey: .tokens)
            try c.encodeIfPresent(steps, forKey: .steps)
            try c.encodeIfPresent(flops, forKey: .flops)
            try c.encode(evalInterval, forKey: .evalInterval)
            try c.encode(evalBatches, forKey: .evalBatches)
            // Written as null, not left out: an absent key decodes to the default cap, so a run's
            // config.json has to say "whole split" explicitly to resume with the same config.
            try c.encode(finalEvalTokens, forKey: .finalEvalTokens)
            try c.encode(logInterval, forKey: .logInterval)
            try c.encode(checkpointInterval, forKey: .checkpointInterval)
            try c.encode(keepCheckpointsAt, forKey: .keepCheckpointsAt)
        }
    }

    public struct OptimConfig: Codable, Equatable, Sendable {
        public var lr: Double
        public var beta1: Float = 0.9
        public var beta2: Float = 0.95
        public var eps: Float = 1e-8
        public var weightDecay: Float = 0.1
        /// Parameter kinds that decay: any of weight, bias, norm, embedding.
        public var decay: [ParameterKind] = [.weight]
        /// Global gradient-norm clip; 0 (or null in JSON) disables.
        public var gradClip: Float = 1.0

        enum CodingKeys: String, CodingKey, CaseIterable {
            case lr, beta1, beta2, eps, weightDecay = "weight_decay", decay, gradClip = "grad_clip"
        }
        public init(lr: Double) { self.lr = lr }
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            lr = try c.decode(Double.self, forKey: .lr)
            beta1 = try c.decodeIfPresent(Float.self, forKey: .beta1) ?? beta1
            beta2 = try c.decodeIfPresent(Float.self, forKey: .beta2) ?? beta2
            eps = try c.decodeIfPresent(Float.self, forKey: .eps) ?? eps
            weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? weightDecay
            decay = try c.decodeIfPresent([ParameterKind].self, forKey: .decay) ?? decay
            if c.contains(.gradClip) { gradClip = try c.decodeIfPresent(Float.self, forKey: .gradClip) ?? 0 }
        }
    }

    /// Start from a checkpoint of another run (its weights, optimizer state, data position and
    /// step), e.g. a WSD stable-phase checkpoint that a cooldown branch continues from.
    public struct InitFrom: Codable, Equatable, Sendable {
        public var checkpoint: String
        enum CodingKeys: String, CodingKey, CaseIterable { case checkpoint }
        public init(checkpoint: String) { self.checkpoint = checkpoint }
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            checkpoint = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .checkpoint)
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case seed, data, model, train, optim, schedule, initFrom = "init_from"
    }

    public init(data: DataConfig, model: GPTConfig, train: BudgetConfig, optim: OptimConfig, schedule: ScheduleConfig) {
        self.data = data; self.model = model; self.train = train; self.optim = optim; self.schedule = schedule
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
        data = try c.decode(DataConfig.self, forKey: .data)
        model = try c.decode(GPTConfig.self, forKey: .model)
        train = try c.decode(BudgetConfig.self, forKey: .train)
        optim = try c.decode(OptimConfig.self, forKey: .optim)
        schedule = try c.decodeIfPresent(ScheduleConfig.self, forKey: .schedule) ?? ScheduleConfig()
        initFrom = try c.decodeIfPresent(InitFrom.self, forKey: .initFrom)
    }

    /// Tokens consumed per optimizer step.
    public var tokensPerStep: Int { train.batchSize * train.gradAccum * model.contextLength }

    /// Optimizer steps implied by the budget (tokens and FLOPs round up to whole steps); at most
    /// `maxSteps` (`validate` rejects budgets beyond it).
    public var totalSteps: Int {
        let steps = exactSteps
        return steps.isFinite && steps < Double(Self.maxSteps) ? Int(steps) : Self.maxSteps
    }

    /// More steps than any run can take (10¹² steps): budgets beyond it are "too large", not an
    /// Int overflow.
    public static let maxSteps = 1 << 40

    var exactSteps: Double {
        if let steps = train.steps { return Double(steps) }
        if let tokens = train.tokens { return (tokens / Double(tokensPerStep)).rounded(.up) }
        if let flops = train.flops { return (flops / model.flopsPerToken / Double(tokensPerStep)).rounded(.up) }
        return 0
    }

    /// The budget's key, for messages.
    var budgetKey: String { train.tokens != nil ? "tokens" : train.steps != nil ? "steps" : "flops" }

    /// Checks everything that does not need the data; errors name the field.
    public func validate() throws {
        func check(_ ok: Bool, _ path: [String], _ message: String) throws {
            if !ok { throw ConfigError(path, message) }
        }
        do { try model.validate() } catch let e as ConfigError { throw e.nested(under: "model") }
        let budgets = [train.tokens != nil, train.steps != nil, train.flops != nil].filter { $0 }.count
        try check(budgets == 1, ["train"], "give exactly one budget: tokens, steps or flops (got \(budgets))")
        try check(train.batchSize > 0, ["train", "batch_size"], "must be positive, got \(train.batchSize)")
        try check(train.gradAccum > 0, ["train", "grad_accum"], "must be positive, got \(train.gradAccum)")
        // Before anything multiplies them as Ints.
        let stepTokens = Double(train.batchSize) * Double(train.gradAccum) * Double(model.contextLength)
        try check(stepTokens <= 1e12, ["train", train.gradAccum > train.batchSize ? "grad_accum" : "batch_size"],
                  "too large: \(compactNumber(stepTokens)) tokens per step")
        try check(train.evalBatches <= 1 << 30, ["train", "eval_batches"], "\(train.evalBatches) is too large (at most \(1 << 30))")
        if let s = train.steps { try check(s > 0, ["train", "steps"], "must be positive, got \(s)") }
        if let t = train.tokens { try check(t > 0, ["train", "tokens"], "must be positive, got \(t)") }
        if let f = train.flops { try check(f > 0, ["train", "flops"], "must be positive, got \(f)") }
        try check(exactSteps <= Double(Self.maxSteps), ["train", budgetKey],
                  "too large: \(compactNumber(exactSteps)) steps of \(tokensPerStep) tokens (at most \(compactNumber(Double(Self.maxSteps))))")
        try check(totalSteps >= 1, ["train"], "the budget is less than one step of \(tokensPerStep) tokens")
        try check(train.evalInterval > 0, ["train", "eval_interval"], "must be positive, got \(train.evalInterval)")
        try check(train.evalBatches > 0, ["train", "eval_batches"], "must be positive, got \(train.evalBatches)")
        if let f = train.finalEvalTokens {
            try check(f > 0, ["train", "final_eval_tokens"], "must be positive (or null for the whole val split), got \(f)")
        }
        try check(train.logInterval > 0, ["train", "log_interval"], "must be positive, got \(train.logInterval)")
        try check(train.checkpointInterval > 0, ["train", "checkpoint_interval"], "must be positive, got \(train.checkpointInterval)")
        try check(optim.lr > 0 && optim.lr.isFinite, ["optim", "lr"], "must be > 0, got \(optim.lr)")
        try check(optim.beta1 >= 0 && optim.beta1 < 1, ["optim", "beta1"], "must be in [0, 1), got \(optim.beta1)")
        try check(optim.beta2 >= 0 && optim.beta2 < 1, ["optim", "beta2"], "must be in [0, 1), got \(optim.beta2)")
        try check(optim.eps > 0, ["optim", "eps"], "must be > 0, got \(optim.eps)")
        try check(optim.weightDecay >= 0, ["optim", "weight_decay"], "must be ≥ 0, got \(optim.weightDecay)")
        try check(optim.gradClip >= 0, ["optim", "grad_clip"], "must be ≥ 0 (0 disables), got \(optim.gradClip)")
        try check(["random", "sequential", "shuffled"].contains(data.sampling), ["data", "sampling"],
                  "must be random, sequential or shuffled, got '\(data.sampling)'")
        if let k = data.trainSubsetTokens {
            // A window is context + 1 tokens (inputs and the targets shifted by one).
            try check(k > model.contextLength, ["data", "train_subset_tokens"],
                      "expected an integer number of tokens > model.context_length (\(model.contextLength)), got \(k)")
        }
        do { try schedule.validate(totalSteps: totalSteps) } catch let e as ConfigError { throw e.nested(under: "schedule") }
    }
}
