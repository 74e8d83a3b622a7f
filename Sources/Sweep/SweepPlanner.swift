import Foundation
import RunSchema

/// Turns a spec into runs: grid variants × (isoFLOP points | WSD stable runs and branches | the
/// variant itself). Every generated config is decoded and validated before anything launches;
/// all problems are reported together.
public enum SweepPlanner {
    public static func plan(specAt url: URL) throws -> SweepPlan {
        try plan(SweepSpec.load(url), specURL: url)
    }

    public static func plan(_ spec: SweepSpec, specURL: URL) throws -> SweepPlan {
        var builder = try PlanBuilder(spec: spec, specURL: specURL)
        return try builder.build()
    }

    /// The default sweep directory: `sweeps/<spec file name without extension>`.
    public static func defaultDirectory(for specURL: URL) -> String {
        "sweeps/" + specURL.deletingPathExtension().lastPathComponent
    }
}

/// A run before its id is known.
struct Candidate {
    var labels: [String]
    var tree: JSONValue
    /// What the id hashes: the tree, with paths that depend on the sweep directory made symbolic.
    var identity: JSONValue
    var role: PlannedRun.Role = .run
    var dependsOn: String?
    var isoflopBudget: Double?
    var branchStep: Int?
    /// The point and seed group of a run of a spec with `tune` or `seeds`.
    var membership: PointMembership?
}

struct Variant {
    var assignments: [(path: String, value: JSONValue)]
    var labels: [String]
}

struct PlanBuilder {
    let spec: SweepSpec
    let specURL: URL
    let directoryPath: String
    var base: JSONValue
    var errors: [(label: String, message: String)] = []
    var dropped: [DroppedRun] = []
    var vocabCache: [String: Int?] = [:]

    init(spec: SweepSpec, specURL: URL) throws {
        self.spec = spec
        self.specURL = specURL
        directoryPath = spec.outDir ?? SweepPlanner.defaultDirectory(for: specURL)
        switch spec.base {
        case .inline(let tree): base = tree
        case .file(let path):
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
                : specURL.deletingLastPathComponent().appendingPathComponent(path)
            let bytes: Data
            do { bytes = try Data(contentsOf: url) } catch {
                throw SweepError("\(specURL.path): base: cannot read \(url.path) (\(ConfigLoading.readReason(error)))")
            }
            do { base = try ConfigLoading.object(from: bytes, source: url.path) } catch let e as ConfigError {
                throw SweepError(e.description)
            }
        }
        for (path, value) in spec.set.sorted(by: { $0.key < $1.key }) {
            do { try Self.assign(value, at: path, in: &base) } catch {
                throw SweepError("\(specURL.path): set.\(path): \((error as? ConfigError)?.message ?? "\(error)")")
            }
        }
    }

    static func split(_ path: String) -> [String] { path.split(separator: ".").map(String.init) }

    static let budgetKeys = ["tokens", "steps", "flops"]

    /// Sets a key path. A train budget (`train.tokens`, `train.steps`, `train.flops`) replaces
    /// the base's budget: a config has exactly one.
    static func assign(_ value: JSONValue, at path: String, in tree: inout JSONValue) throws {
        let keys = split(path)
        if keys.count == 2, keys[0] == "train", budgetKeys.contains(keys[1]) {
            for other in budgetKeys where other != keys[1] { tree.remove(at: ["train", other]) }
        }
        try tree.set(value, at: keys)
    }

    mutating func build() throws -> SweepPlan {
        var candidates: [Candidate] = []
        for variant in variants() {
            var tree = base
            for a in variant.assignments {
                do { try Self.assign(a.value, at: a.path, in: &tree) } catch {
                    errors.append((variant.labels.joined(separator: "-"), "\(a.path): \((error as? ConfigError)?.message ?? "\(error)")"))
                    continue
                }
            }
            fillVocabularySize(&tree)
            if let iso = spec.isoflop {
                candidates += isoflopCandidates(iso, tree: tree, labels: variant.labels)
            } else if let wsd = spec.wsdBranches {
                candidates += wsdCandidates(wsd, tree: tree, labels: variant.labels)
            } else {
                candidates.append(Candidate(labels: variant.labels, tree: tree, identity: tree))
            }
        }
        candidates = candidates.flatMap { expandPoint($0) }
        var runs: [PlannedRun] = []
        // Keyed by the config, not the id: two labels for one config are still one run.
        var firstLabelOfConfig: [String: String] = [:]
        for c in candidates {
            let label = c.labels.joined(separator: "-")
            let id = RunIdentity.id(prefix: label, identity: c.identity)
            guard let config = decode(c.tree, label: label) else { continue }
            if let other = firstLabelOfConfig[c.identity.canonical] {
                errors.append((label, "has the same config as \(other) (duplicate axis values?)"))
                continue
            }
            firstLabelOfConfig[c.identity.canonical] = label
            runs.append(PlannedRun(id: id, role: c.role, config: config, dependsOn: c.dependsOn,
                                   isoflopBudget: c.isoflopBudget, branchStep: c.branchStep, labels: c.labels,
                                   accounting: config.model.accounting, membership: c.membership))
        }
        if !errors.isEmpty { throw SweepError(errorReport()) }
        return SweepPlan(specURL: specURL, spec: spec, directoryPath: directoryPath, runs: runs, dropped: dropped)
    }

    /// "spec: N problems" then one line per distinct problem with the runs it affects.
    func errorReport() -> String {
        var order: [String] = [], labels: [String: [String]] = [:]
        for e in errors {
            if labels[e.message] == nil { order.append(e.message) }
            labels[e.message, default: []].append(e.label)
        }
        if order.count == 1, let only = order.first {
            let l = labels[only]!
            return "\(specURL.path): \(only)" + (l.count == 1 && !l[0].isEmpty ? " (run \(l[0]))" : l.count > 1 ? " (\(l.count) runs, e.g. \(l[0]))" : "")
        }
        var lines = ["\(specURL.path): \(order.count) problems, nothing launched:"]
        for m in order {
            let l = labels[m]!
            lines.append("  \(m)" + (l.count == 1 && !l[0].isEmpty ? " (run \(l[0]))" : l.count > 1 ? " (\(l.count) runs, e.g. \(l[0]))" : ""))
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Grid

    func variants() -> [Variant] {
        var result = [Variant(assignments: [], labels: [])]
        for axis in spec.grid?.axes ?? [] {
            result = result.flatMap { v in
                axis.points.map { point in
                    var next = v
                    next.assignments += zip(axis.paths, point).map { ($0, $1) }
                    next.labels += RunIdentity.labels(zip(axis.paths, point))
                    return next
                }
            }
        }
        return result
    }

    // MARK: Config decoding

    /// `model.vocab_size` from the data directory's meta.json when the config leaves it out (as
    /// `train` does), so the planner can count parameters.
    mutating func fillVocabularySize(_ tree: inout JSONValue) {
        tree.fillVocabularySize { dir in
            if let cached = vocabCache[dir] { return cached }
            let v = ConfigLoading.vocabularySize(dataDir: dir)
            vocabCache[dir] = .some(v)
            return v
        }
    }

    /// Decodes and validates a generated config; records the problem and returns nil otherwise.
    mutating func decode(_ tree: JSONValue, label: String) -> TrainConfig? {
        do {
            if tree[["model", "vocab_size"]] == nil, case .string(let dir)? = tree[["data", "dir"]],
               let problem = ConfigLoading.vocabularySource(dataDir: dir) {
                throw problem
            }
            let config = try JSONTreeDecoder().decode(TrainConfig.self, from: tree)
            try config.validate()
            if config.data.trainSubsetTokens != nil, let split = ConfigLoading.trainTokens(dataDir: config.data.dir) {
                try config.data.checkSubset(trainSplit: split)
            }
            return config
        } catch {
            errors.append((label, (error as? ConfigError)?.description ?? "\(error)"))
        }
        return nil
    }

    // MARK: Models

    /// The models of a model set on top of `tree`: their overrides and labels.
    mutating func models(_ set: SweepSpec.ModelSet, tree: JSONValue, labels: [String]) -> [Variant] {
        switch set {
        case .explicit(let list):
            return list.map { overrides in
                let sorted = overrides.sorted { $0.key < $1.key }
                return Variant(assignments: sorted.map { ($0.key, $0.value) },
                               labels: RunIdentity.labels(sorted.map { ($0.key, $0.value) }))
            }
        case .shapes(let rule):
            guard let config = decode(tree, label: labels.joined(separator: "-")) else { return [] }
            return rule.params.compactMap { target in
                guard let shape = ModelShapes.shape(for: target, rule: rule, base: config.model) else {
                    errors.append((labels.joined(separator: "-"), "shapes: no shape with head_dim \(rule.headDim) reaches \(compactNumber(target)) parameters"))
                    return nil
                }
                return Variant(assignments: [("model.d_model", .int(shape.dModel)), ("model.n_layer", .int(shape.nLayer)),
                                             ("model.n_head", .int(shape.nHead))],
                               labels: ["d\(shape.dModel)", "l\(shape.nLayer)"])
            }
        }
    }

    /// A model that sets a key a grid axis also sets would replace the axis's value, so the
    /// axis's points would train the same runs under different names: an error, not a silent
    /// override.
    mutating func checkAxisCollisions(_ model: Variant, section: String) {
        let axisPaths = Set(spec.grid?.axes.flatMap(\.paths) ?? [])
        for a in model.assignments where axisPaths.contains(a.path) {
            errors.append((model.labels.joined(separator: "-"), "grid axis \(a.path) is also set by \(section) (the model's value would replace the axis's); set it in one place"))
        }
    }

    mutating func apply(_ model: Variant, to tree: JSONValue, labels: [String]) -> JSONValue? {
        var t = tree
        for a in model.assignments {
            do { try Self.assign(a.value, at: a.path, in: &t) } catch {
                errors.append(((labels + model.labels).joined(separator: "-"), "\(a.path): \((error as? ConfigError)?.message ?? "\(error)")"))
                return nil
            }
        }
        return t
    }

    static func setSteps(_ steps: Int, in tree: inout JSONValue) {
        tree.remove(at: ["train", "tokens"])
        tree.remove(at: ["train", "flops"])
        try? tree.set(.int(steps), at: ["train", "steps"])
    }

    // MARK: IsoFLOP

    mutating func isoflopCandidates(_ iso: SweepSpec.IsoFLOP, tree: JSONValue, labels: [String]) -> [Candidate] {
        var out: [Candidate] = []
        var droppedPerBudget: [Double: [String]] = [:]
        var keptPerBudget: [Double: Int] = [:]
        for model in models(iso.models, tree: tree, labels: labels) {
            checkAxisCollisions(model, section: "isoflop.models")
            guard let modelTree = apply(model, to: tree, labels: labels) else { continue }
            let modelLabel = (labels + model.labels).joined(separator: "-")
            guard let config = decode(modelTree, label: modelLabel) else { continue }
            let fpt = config.model.flopsPerToken, tps = Double(config.tokensPerStep)
            let active = Double(config.model.accounting.activeParams)
            var trainTokens: Double?
            if iso.maxEpochs != nil {
                guard let t = ConfigLoading.trainTokens(dataDir: config.data.dir), t > 0 else {
                    errors.append((modelLabel, "isoflop.max_epochs: \(config.data.dir) has no meta.json train_tokens or train.bin to count the training tokens (prepare the data with windtunnel data prepare)"))
                    continue
                }
                trainTokens = Double(config.data.epochTokens(trainSplit: t))  // the subset, if any
            }
            for budget in iso.budgets {
                let runLabels = labels + model.labels + ["c" + compactNumber(budget)]
                let label = runLabels.joined(separator: "-")
                let exactSteps = budget / fpt / tps
                let steps = Int(exactSteps.rounded())
                let perParam = Double(steps) * tps / active
                var reason: String?
                if steps < 1 {
                    reason = "C=\(compactNumber(budget)) buys \(compactNumber(budget / fpt)) tokens at \(compactNumber(fpt)) FLOPs/token = \(String(format: "%.2g", exactSteps)) steps of \(Int(tps)) tokens (< 1 step)"
                } else if let maxR = iso.maxTokensPerParam, perParam > maxR {
                    reason = "\(compactNumber(perParam)) tokens/param > max_tokens_per_param \(compactNumber(maxR)) (N_active \(compactNumber(active)), D \(compactNumber(Double(steps) * tps)))"
                } else if let minR = iso.minTokensPerParam, perParam < minR {
                    reason = "\(compactNumber(perParam)) tokens/param < min_tokens_per_param \(compactNumber(minR)) (N_active \(compactNumber(active)), D \(compactNumber(Double(steps) * tps)))"
                } else if let maxE = iso.maxEpochs, let split = trainTokens, Double(steps) * tps / split > maxE {
                    reason = "\(String(format: "%.2g", Double(steps) * tps / split)) epochs > max_epochs \(compactNumber(maxE)) (D \(compactNumber(Double(steps) * tps)), \(config.data.trainSubsetTokens == nil ? "training split" : "data.train_subset_tokens") \(compactNumber(split)) tokens)"
                }
                if let reason {
                    dropped.append(DroppedRun(label: label, reason: reason))
                    droppedPerBudget[budget, default: []].append("\(label): \(reason)")
                    continue
                }
                keptPerBudget[budget, default: 0] += 1
                var t = modelTree
                Self.setSteps(steps, in: &t)
                if let w = iso.warmupFraction { try? t.set(.int(Int((w * Double(steps)).rounded())), at: ["schedule", "warmup_steps"]) }
                out.append(Candidate(labels: runLabels, tree: t, identity: t, isoflopBudget: budget))
            }
        }
        for budget in iso.budgets where keptPerBudget[budget, default: 0] == 0 {
            guard let reasons = droppedPerBudget[budget], !reasons.isEmpty else { continue }
            errors.append((labels.joined(separator: "-"),
                           "isoflop budget \(compactNumber(budget)) leaves no run (change the budget or the models):\n    "
                           + reasons.joined(separator: "\n    ")))
        }
        return out
    }

    // MARK: WSD branches

    mutating func wsdCandidates(_ wsd: SweepSpec.WSDBranches, tree: JSONValue, labels: [String]) -> [Candidate] {
        let modelVariants = wsd.models.map { models($0, tree: tree, labels: labels) } ?? [Variant(assignments: [], labels: [])]
        var out: [Candidate] = []
        for model in modelVariants {
            checkAxisCollisions(model, section: "wsd_branches.models")
            guard let modelTree = apply(model, to: tree, labels: labels) else { continue }
            let modelLabels = labels + model.labels
            let modelLabel = modelLabels.joined(separator: "-")
            guard let config = decode(modelTree, label: modelLabel) else { continue }
            let tps = config.tokensPerStep, warmup = config.schedule.warmupSteps
            let active = Double(config.model.accounting.activeParams)
            let targets: [Double]
            switch wsd.budgets {
            case .tokens(let t): targets = t
            case .tokensPerParam(let r): targets = r.map { $0 * active }
            }
            struct Branch { var steps: Int; var cooldown: Int; var start: Int }
            var branches: [Branch] = []
            for target in targets {
                let steps = Int((target / Double(tps)).rounded())
                let cooldown = max(1, Int((wsd.cooldownFraction * Double(steps)).rounded()))
                let start = steps - cooldown
                let label = (modelLabels + ["wsd", "t" + compactNumber(steps >= 1 ? Double(steps * tps) : target)]).joined(separator: "-")
                if steps < 2 {
                    dropped.append(DroppedRun(label: label, reason: "\(compactNumber(target)) tokens is \(steps) step(s) of \(tps) tokens; a branch needs ≥ 2"))
                } else if start < max(1, warmup) {
                    dropped.append(DroppedRun(label: label, reason: "the cooldown would start at step \(start), before the end of warmup (\(warmup) steps)"))
                } else if !branches.contains(where: { $0.steps == steps }) {
                    branches.append(Branch(steps: steps, cooldown: cooldown, start: start))
                }
            }
            guard let last = branches.map(\.start).max() else {
                errors.append((modelLabel, "wsd_branches: no branch budget fits this model (see the dropped runs)"))
                continue
            }
            var stable = modelTree
            Self.setSteps(last, in: &stable)
            try? stable.set(.string("constant"), at: ["schedule", "kind"])
            try? stable.set(.array(Set(branches.map(\.start)).sorted().map { .int($0) }), at: ["train", "keep_checkpoints_at"])
            let stableLabels = modelLabels + ["stable"]
            let stableID = RunIdentity.id(prefix: stableLabels.joined(separator: "-"), identity: stable)
            out.append(Candidate(labels: stableLabels, tree: stable, identity: stable, role: .stable))
            // nil: the base's shape. A list's labels name each shape; one string keeps "wsd".
            let shapes: [String?] = wsd.decayShapes ?? [nil]
            for b in branches {
                let tokenLabel = "t" + compactNumber(Double(b.steps * tps))
                for shape in shapes {
                    var branch = modelTree
                    Self.setSteps(b.steps, in: &branch)
                    branch.remove(at: ["train", "keep_checkpoints_at"])
                    try? branch.set(.string("wsd"), at: ["schedule", "kind"])
                    try? branch.set(.int(b.cooldown), at: ["schedule", "decay_steps"])
                    if let shape { try? branch.set(.string(shape), at: ["schedule", "decay_shape"]) }
                    var identity = branch
                    try? identity.set(.string("\(stableID)@step\(b.start)"), at: ["init_from", "checkpoint"])
                    let path = "\(directoryPath)/runs/\(stableID)/checkpoint_step\(b.start).safetensors"
                    try? branch.set(.string(path), at: ["init_from", "checkpoint"])
                    let kind = wsd.decayShapeList ? ["wsd", shape ?? ""] : ["wsd"]
                    out.append(Candidate(labels: modelLabels + kind + [tokenLabel], tree: branch, identity: identity,
                                         role: .branch, dependsOn: stableID, branchStep: b.start))
                }
                if wsd.cosineBaselines {
                    var cosine = modelTree
                    Self.setSteps(b.steps, in: &cosine)
                    cosine.remove(at: ["train", "keep_checkpoints_at"])
                    try? cosine.set(.string("cosine"), at: ["schedule", "kind"])
                    if let r = wsd.cosineMinLRRatio { try? cosine.set(.double(r), at: ["schedule", "min_lr_ratio"]) }
                    out.append(Candidate(labels: modelLabels + ["cosine", tokenLabel], tree: cosine, identity: cosine))
                }
            }
        }
        return out
    }
}
