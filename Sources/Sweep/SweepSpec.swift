import Foundation
import RunSchema

/// A sweep spec (JSON, strict: unknown keys are errors naming the key). A `base` train config plus
/// common overrides, a `grid` of variants, and at most one of `isoflop` (runs sized from FLOP
/// budgets) and `wsd_branches` (a stable run per model with cooldown branches). Every value that
/// lands in a train config is addressed by a dotted key path (`model.d_model`, `optim.lr`).
/// `tune` and `seeds` expand each grid or isoFLOP point into several runs (SweepPoints.swift).
public struct SweepSpec: Decodable, Sendable {
    public enum Base: Sendable {
        /// A train config file, relative to the spec file.
        case file(String)
        case inline(JSONValue)
    }

    public var description: String?
    public var base: Base
    /// Overrides applied to the base for every run (`{"train.eval_interval": 100}`).
    public var set: [String: JSONValue] = [:]
    /// Sweep directory (relative to the working directory); default `sweeps/<spec file name>`.
    public var outDir: String?
    public var grid: Grid?
    public var isoflop: IsoFLOP?
    public var wsdBranches: WSDBranches?
    /// Scalar keys tuned per point (sorted by path): each point runs every combination of their
    /// values, and `sweep results` marks the best.
    public var tune: [Tune] = []
    /// Seeds per point (nil: each point is one run with the config's seed).
    public var seeds: Seeds?

    /// One tuned key and the values each point tries.
    public struct Tune: Sendable {
        public var path: String
        public var values: [JSONValue]
        public init(path: String, values: [JSONValue]) {
            self.path = path
            self.values = values
        }
    }

    public enum Seeds: Sendable, Equatable {
        /// Seeds base_seed + 0..<n, base_seed being the point's config `seed`.
        case count(Int)
        case list([Int])
    }

    /// Variants: the cartesian product of the axes; a `zip` group is one axis whose paths take
    /// their i-th values together (e.g. width with heads).
    public struct Grid: Sendable {
        public struct Axis: Sendable {
            public var paths: [String]
            /// One tuple (a value per path) per point of the axis.
            public var points: [[JSONValue]]
        }
        /// Sorted by first path, so the order (and run ids) never depend on JSON key order.
        public var axes: [Axis]
    }

    /// For each FLOP budget C and model, D = C / FLOPs-per-token(model) and the step count follow.
    public struct IsoFLOP: Sendable {
        public var budgets: [Double]
        public var models: ModelSet
        /// Runs with more tokens per (active) parameter than this are dropped.
        public var maxTokensPerParam: Double?
        public var minTokensPerParam: Double?
        /// Runs that would see their training split more than this many times are dropped (the
        /// split's size is `train_tokens` in the data directory's meta.json): repeated data
        /// bends the loss-vs-D curve that a scaling law assumes (Muennighoff et al. 2023 find
        /// up to ~4 epochs almost as good as fresh tokens).
        public var maxEpochs: Double?
        /// Sets each run's `schedule.warmup_steps` to this fraction of its steps (runs differ in length).
        public var warmupFraction: Double?
    }

    /// Per model: one constant-LR stable run and WSD cooldown branches from its checkpoints.
    public struct WSDBranches: Sendable {
        public enum Budgets: Sendable {
            case tokens([Double])
            case tokensPerParam([Double])
        }
        public var budgets: Budgets
        /// Cooldown length as a fraction of each branch's steps.
        public var cooldownFraction: Double = 0.2
        /// `schedule.decay_shape` of the branches (default: the base's). A list branches every
        /// budget once per shape from the same stable checkpoints (1-sqrt vs linear for the cost
        /// of the cooldowns alone); their labels then carry the shape.
        public var decayShapes: [String]?
        /// Whether `decay_shape` was a list (labels name the shape) rather than one string.
        public var decayShapeList = false
        /// `schedule.min_lr_ratio` of the cosine baselines (default: the base's). Hägele et al.
        /// decay cosine to 10% of the peak and cool WSD down to 0.
        public var cosineMinLRRatio: Double?
        /// Models (default: the base model, varied by the grid).
        public var models: ModelSet?
        /// Also train a cosine run from scratch at every branch budget (the WSD-vs-cosine comparison).
        public var cosineBaselines = false
    }

    public enum ModelSet: Sendable {
        /// Explicit shapes, each a set of key-path overrides.
        case explicit([[String: JSONValue]])
        case shapes(ShapeRule)
    }

    /// Shapes generated from target parameter counts at a fixed d_model/n_layer aspect ratio and
    /// head dimension (`n_head = d_model / head_dim`; d_model a multiple of head_dim).
    public struct ShapeRule: Sendable {
        public enum Count: String, Codable, Sendable, CaseIterable { case nonEmbedding = "non_embedding", total, active }
        public var params: [Double]
        public var count: Count = .nonEmbedding
        public var aspectRatio: Double
        public var headDim: Int
    }
}

// MARK: - Strict decoding

extension SweepSpec {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case description, base, set, outDir = "out_dir", grid, isoflop, wsdBranches = "wsd_branches", tune, seeds
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        if let path = try? c.decode(String.self, forKey: .base) {
            base = .file(path)
        } else {
            let value = try c.decode(JSONValue.self, forKey: .base)
            guard case .object = value else {
                throw ConfigError(at: decoder.codingPath, ["base"], "expected a train config object or the path of a config file")
            }
            base = .inline(value)
        }
        set = try c.decodeIfPresent([String: JSONValue].self, forKey: .set) ?? [:]
        outDir = try c.decodeIfPresent(String.self, forKey: .outDir)
        grid = try c.decodeIfPresent(Grid.self, forKey: .grid)
        isoflop = try c.decodeIfPresent(IsoFLOP.self, forKey: .isoflop)
        wsdBranches = try c.decodeIfPresent(WSDBranches.self, forKey: .wsdBranches)
        if isoflop != nil && wsdBranches != nil {
            throw ConfigError(at: decoder.codingPath, [], "give at most one of isoflop and wsd_branches (use two specs)")
        }
        if grid == nil && isoflop == nil && wsdBranches == nil {
            throw ConfigError(at: decoder.codingPath, [], "the spec plans no runs: give a grid, isoflop or wsd_branches")
        }
        tune = try Self.decodeTune(c)
        seeds = try Self.decodeSeeds(c)
        try checkTuneAndSeeds(codingPath: decoder.codingPath)
    }
}

extension SweepSpec.Grid: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case axes, zip }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let single = try c.decodeIfPresent([String: [JSONValue]].self, forKey: .axes) ?? [:]
        let zips = try c.decodeIfPresent([[String: [JSONValue]]].self, forKey: .zip) ?? []
        var axes: [Axis] = []
        for (path, values) in single {
            guard !values.isEmpty else { throw ConfigError(at: decoder.codingPath, ["axes", path], "empty list of values") }
            axes.append(Axis(paths: [path], points: values.map { [$0] }))
        }
        for (i, group) in zips.enumerated() {
            let paths = group.keys.sorted()
            guard !paths.isEmpty else { throw ConfigError(at: decoder.codingPath, ["zip[\(i)]"], "empty group") }
            let n = group[paths[0]]!.count
            for p in paths where group[p]!.count != n || n == 0 {
                throw ConfigError(at: decoder.codingPath, ["zip[\(i)]", p], n == 0 ? "empty list of values"
                    : "has \(group[p]!.count) values but \(paths[0]) has \(n): zipped axes vary together and need equal lengths")
            }
            axes.append(Axis(paths: paths, points: (0..<n).map { j in paths.map { group[$0]![j] } }))
        }
        guard !axes.isEmpty else { throw ConfigError(at: decoder.codingPath, [], "empty grid: give axes or zip groups (or leave grid out)") }
        var seen = Set<String>()
        for p in axes.flatMap(\.paths) {
            guard seen.insert(p).inserted else { throw ConfigError(at: decoder.codingPath, [p], "appears in more than one axis") }
        }
        self.axes = axes.sorted { $0.paths[0] < $1.paths[0] }
    }
}

extension SweepSpec.IsoFLOP: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case budgets, models, shapes, maxTokensPerParam = "max_tokens_per_param"
        case minTokensPerParam = "min_tokens_per_param", warmupFraction = "warmup_fraction"
        case maxEpochs = "max_epochs"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        budgets = try c.decode([Double].self, forKey: .budgets)
        guard !budgets.isEmpty else { throw ConfigError(at: decoder.codingPath, ["budgets"], "empty list: give at least one FLOP budget") }
        for b in budgets where !(b > 0 && b.isFinite) { throw ConfigError(at: decoder.codingPath, ["budgets"], "budgets must be positive FLOP counts, got \(b)") }
        guard let models = try SweepSpec.ModelSet.decode(from: c, models: .models, shapes: .shapes) else {
            throw ConfigError(at: decoder.codingPath, [], "give models (a list of shapes) or shapes (a rule from parameter counts)")
        }
        self.models = models
        maxTokensPerParam = try c.decodeIfPresent(Double.self, forKey: .maxTokensPerParam)
        minTokensPerParam = try c.decodeIfPresent(Double.self, forKey: .minTokensPerParam)
        warmupFraction = try c.decodeIfPresent(Double.self, forKey: .warmupFraction)
        maxEpochs = try c.decodeIfPresent(Double.self, forKey: .maxEpochs)
        if let e = maxEpochs, !(e > 0 && e.isFinite) { throw ConfigError(at: decoder.codingPath, ["max_epochs"], "must be a positive number of epochs, got \(e)") }
        if let w = warmupFraction, !(w >= 0 && w < 1) { throw ConfigError(at: decoder.codingPath, ["warmup_fraction"], "must be in [0, 1), got \(w)") }
    }
}

extension SweepSpec.WSDBranches: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case tokens, tokensPerParam = "tokens_per_param", cooldownFraction = "cooldown_fraction"
        case decayShape = "decay_shape", models, shapes, cosineBaselines = "cosine_baselines"
        case cosineMinLRRatio = "cosine_min_lr_ratio"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let tokens = try c.decodeIfPresent([Double].self, forKey: .tokens)
        let perParam = try c.decodeIfPresent([Double].self, forKey: .tokensPerParam)
        switch (tokens, perParam) {
        case (let t?, nil): budgets = .tokens(t)
        case (nil, let r?): budgets = .tokensPerParam(r)
        default: throw ConfigError(at: decoder.codingPath, [], "give exactly one of tokens and tokens_per_param (the branch budgets)")
        }
        let values: [Double] = tokens ?? perParam ?? []
        guard !values.isEmpty, values.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw ConfigError(at: decoder.codingPath, [tokens != nil ? "tokens" : "tokens_per_param"], "must be a non-empty list of positive numbers")
        }
        cooldownFraction = try c.decodeIfPresent(Double.self, forKey: .cooldownFraction) ?? cooldownFraction
        guard cooldownFraction > 0 && cooldownFraction < 1 else {
            throw ConfigError(at: decoder.codingPath, ["cooldown_fraction"], "must be in (0, 1), got \(cooldownFraction)")
        }
        if let one = try? c.decodeIfPresent(String.self, forKey: .decayShape) {
            decayShapes = [one]
        } else if let list = try? c.decodeIfPresent([String].self, forKey: .decayShape) {
            guard !list.isEmpty, Set(list).count == list.count else {
                throw ConfigError(at: decoder.codingPath, ["decay_shape"], "must be a shape or a non-empty list of distinct shapes")
            }
            (decayShapes, decayShapeList) = (list, true)
        } else if c.contains(.decayShape) {
            throw ConfigError(at: decoder.codingPath, ["decay_shape"], "expected a shape (\"1-sqrt\", \"linear\", \"cosine\") or a list of them")
        }
        let knownShapes = ["1-sqrt", "linear", "cosine"]
        if let bad = decayShapes?.first(where: { !knownShapes.contains($0) }) {
            throw ConfigError(at: decoder.codingPath, ["decay_shape"], "unknown shape \"\(bad)\" (expected one of \(knownShapes.joined(separator: ", ")))")
        }
        cosineMinLRRatio = try c.decodeIfPresent(Double.self, forKey: .cosineMinLRRatio)
        if let r = cosineMinLRRatio, !(r >= 0 && r <= 1) {
            throw ConfigError(at: decoder.codingPath, ["cosine_min_lr_ratio"], "must be in [0, 1], got \(r)")
        }
        models = try SweepSpec.ModelSet.decode(from: c, models: .models, shapes: .shapes)
        cosineBaselines = try c.decodeIfPresent(Bool.self, forKey: .cosineBaselines) ?? false
    }
}

extension SweepSpec.ModelSet {
    static func decode<K: CodingKey>(from c: KeyedDecodingContainer<K>, models: K, shapes: K) throws -> Self? {
        let list = try c.decodeIfPresent([[String: JSONValue]].self, forKey: models)
        let rule = try c.decodeIfPresent(SweepSpec.ShapeRule.self, forKey: shapes)
        switch (list, rule) {
        case (let l?, nil):
            guard !l.isEmpty else { throw ConfigError(at: c.codingPath, [models.stringValue], "empty list of models") }
            return .explicit(l)
        case (nil, let r?): return .shapes(r)
        case (nil, nil): return nil
        default: throw ConfigError(at: c.codingPath, [], "give either models or shapes, not both")
        }
    }

    public var count: Int {
        switch self {
        case .explicit(let l): return l.count
        case .shapes(let r): return r.params.count
        }
    }
}

extension SweepSpec.ShapeRule: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case params, count, aspectRatio = "aspect_ratio", headDim = "head_dim"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        params = try c.decode([Double].self, forKey: .params)
        guard !params.isEmpty, params.allSatisfy({ $0 >= 1 && $0.isFinite }) else {
            throw ConfigError(at: decoder.codingPath, ["params"], "must be a non-empty list of positive parameter counts")
        }
        count = try c.decodeIfPresent(Count.self, forKey: .count) ?? count
        aspectRatio = try c.decode(Double.self, forKey: .aspectRatio)
        headDim = try c.decode(Int.self, forKey: .headDim)
        guard aspectRatio > 0 else { throw ConfigError(at: decoder.codingPath, ["aspect_ratio"], "must be > 0 (d_model / n_layer), got \(aspectRatio)") }
        guard headDim > 0 else { throw ConfigError(at: decoder.codingPath, ["head_dim"], "must be > 0, got \(headDim)") }
    }
}

// MARK: - Loading

/// A sweep problem the user can fix: one line naming the file and field, details after.
public struct SweepError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}

extension SweepSpec {
    /// Reads and strictly decodes a spec; errors read "<file>: <field>: <problem>".
    public static func load(_ url: URL) throws -> SweepSpec {
        let bytes: Data
        do { bytes = try Data(contentsOf: url) } catch {
            throw SweepError("\(url.path): cannot read the sweep spec (\(ConfigLoading.readReason(error)))")
        }
        return try decodeStrict(SweepSpec.self, from: bytes, source: url.path)
    }
}

/// Decodes strictly; errors read "<source>: <field>: <problem>" (see `ConfigLoading`).
func decodeStrict<T: Decodable>(_ type: T.Type, from bytes: Data, source: String) throws -> T {
    do { return try ConfigLoading.decode(type, from: bytes, source: source) } catch let e as ConfigError {
        throw SweepError(e.description)
    }
}

extension ConfigError {
    /// An error at `path` below the value being decoded at `codingPath` (`grid` + `axes.x`).
    init(at codingPath: [CodingKey], _ path: [String], _ message: String) {
        self.init(codingPath.map(\.stringValue) + path, message)
    }
}
