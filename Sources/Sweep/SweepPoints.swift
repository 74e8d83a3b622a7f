import Foundation
import RunSchema

/// Tuned keys and seeds: a spec's `tune` and `seeds` blocks expand each *point* into runs.
///
/// A point is a grid point, or an isoFLOP model × budget (of a grid point): every run of a point
/// has the same config except the tuned keys and the seed. Runs that differ only in the seed form
/// a *seed group* (one per combination of tuned values); `sweep results` adds a mean row per seed
/// group and marks the best combination of each point (`Results`, TunedResults.swift).
///
/// A spec without `tune` and `seeds` plans exactly the runs (ids, hashes) it did before these
/// blocks existed: its candidates pass through untouched.
public struct PointMembership: Sendable, Equatable {
    /// The point's id: its labels without the tuned values and seed, and the hash of its config
    /// without the tuned keys and `seed`.
    public var point: String
    /// The seed group's id: the point with this run's tuned values, hashed without `seed`.
    public var group: String
    /// This run's value of each tuned key.
    public var tuned: [String: JSONValue]

    public init(point: String, group: String, tuned: [String: JSONValue]) {
        self.point = point
        self.group = group
        self.tuned = tuned
    }
}

// MARK: - Spec decoding

extension SweepSpec {
    static func decodeTune(_ c: KeyedDecodingContainer<CodingKeys>) throws -> [Tune] {
        guard c.contains(.tune) else { return [] }
        let map = try c.decode([String: [JSONValue]].self, forKey: .tune)
        guard !map.isEmpty else {
            throw ConfigError(at: c.codingPath, ["tune"], "empty: give each tuned key with its values, e.g. {\"optim.lr\": [1e-3, 2e-3, 4e-3]}")
        }
        return try map.sorted { $0.key < $1.key }.map { path, values in
            let field = ["tune", path]
            guard path != "seed" else {
                throw ConfigError(at: c.codingPath, field, "seeds are not tuned: give \"seeds\": N (or a list of seeds) instead")
            }
            guard !values.isEmpty else { throw ConfigError(at: c.codingPath, field, "empty list of values") }
            for v in values {
                switch v {
                case .object, .array, .null:
                    throw ConfigError(at: c.codingPath, field, "expected scalar values (numbers, strings or booleans), got \(v.canonical)")
                default: break
                }
            }
            for (i, v) in values.enumerated() where values[..<i].contains(where: { $0.canonical == v.canonical }) {
                throw ConfigError(at: c.codingPath, field, "lists \(v.canonical) twice")
            }
            return Tune(path: path, values: values)
        }
    }

    static func decodeSeeds(_ c: KeyedDecodingContainer<CodingKeys>) throws -> Seeds? {
        guard let value = try c.decodeIfPresent(JSONValue.self, forKey: .seeds) else { return nil }
        let expected = "expected a count ≥ 1 (seeds base_seed + 0..n-1) or a non-empty list of distinct seeds ≥ 0"
        switch value {
        case .int(let n):
            guard n >= 1 else { throw ConfigError(at: c.codingPath, ["seeds"], "\(expected), got \(n)") }
            return .count(n)
        case .array(let list):
            let seeds = list.compactMap { v -> Int? in if case .int(let s) = v, s >= 0 { return s } else { return nil } }
            guard !list.isEmpty, seeds.count == list.count, Set(seeds).count == seeds.count else {
                throw ConfigError(at: c.codingPath, ["seeds"], "\(expected), got \(value.canonical)")
            }
            return .list(seeds)
        default:
            throw ConfigError(at: c.codingPath, ["seeds"], "\(expected), got \(value.canonical)")
        }
    }

    /// A key is either varied by the grid/isoflop block or tuned, never both (the tuned value
    /// would be overwritten, or the point would not be one point).
    func checkTuneAndSeeds(codingPath: [CodingKey]) throws {
        guard !tune.isEmpty || seeds != nil else { return }
        if wsdBranches != nil {
            throw ConfigError(at: codingPath, [tune.isEmpty ? "seeds" : "tune"],
                              "not supported with wsd_branches (branches share their stable run); use a grid or isoflop block")
        }
        for t in tune {
            if let axis = grid?.axes.first(where: { $0.paths.contains(t.path) }) {
                throw ConfigError(at: codingPath, ["tune", t.path], "is also a grid axis (\(axis.paths.joined(separator: ", "))): vary a key or tune it, not both")
            }
            if let iso = isoflop, iso.setsPath(t.path) {
                throw ConfigError(at: codingPath, ["tune", t.path], "is set per run by the isoflop block (its models, budgets or warmup_fraction): it cannot be tuned")
            }
        }
        if seeds != nil, grid?.axes.contains(where: { $0.paths.contains("seed") }) == true {
            throw ConfigError(at: codingPath, ["seeds"], "seed is also a grid axis: give seeds or a seed axis, not both")
        }
    }
}

extension SweepSpec.IsoFLOP {
    /// Whether the block sets `path` in its runs' configs.
    func setsPath(_ path: String) -> Bool {
        if ["train.steps", "train.tokens", "train.flops"].contains(path) { return true }
        if warmupFraction != nil && path == "schedule.warmup_steps" { return true }
        switch models {
        case .explicit(let list): return list.contains { $0[path] != nil }
        case .shapes: return ["model.d_model", "model.n_layer", "model.n_head"].contains(path)
        }
    }
}

// MARK: - Planning

extension PlanBuilder {
    /// The runs of one point: a run per combination of tuned values (cartesian product, keys in
    /// path order) and seed. Problems (a tuned key that holds an object) are recorded.
    mutating func expandPoint(_ c: Candidate) -> [Candidate] {
        guard !spec.tune.isEmpty || spec.seeds != nil else { return [c] }
        let label = c.labels.joined(separator: "-")
        for t in spec.tune {
            switch c.tree[Self.split(t.path)] {
            case .object?, .array?:
                errors.append((label, "tune.\(t.path): not a scalar config key (its value is an object or list)"))
                return []
            default: break
            }
        }
        var pointTree = c.tree
        for t in spec.tune { pointTree.remove(at: Self.split(t.path)) }
        pointTree.remove(at: ["seed"])
        let point = RunIdentity.id(prefix: label, identity: pointTree)

        var combos: [[(path: String, value: JSONValue)]] = [[]]
        for t in spec.tune { combos = combos.flatMap { combo in t.values.map { combo + [(t.path, $0)] } } }
        var seeds: [Int]?
        switch spec.seeds {
        case nil: break
        case .list(let list)?: seeds = list
        case .count(let n)?:
            // The first seed is the point's config seed, as the trainer reads it (default included).
            guard let config = decode(c.tree, label: label) else { return [] }
            seeds = (0..<n).map { Int(truncatingIfNeeded: config.seed) &+ $0 }
        }
        var out: [Candidate] = []
        for combo in combos {
            var tree = c.tree
            for a in combo {
                do { try Self.assign(a.value, at: a.path, in: &tree) } catch {
                    errors.append((label, "tune.\(a.path): \((error as? ConfigError)?.message ?? "\(error)")"))
                    return []
                }
            }
            let tuneLabels = combo.map { RunIdentity.label(path: $0.path, value: $0.value) }
            var groupTree = tree
            groupTree.remove(at: ["seed"])
            let member = PointMembership(point: point, group: RunIdentity.id(prefix: (c.labels + tuneLabels).joined(separator: "-"), identity: groupTree),
                                         tuned: Dictionary(uniqueKeysWithValues: combo.map { ($0.path, $0.value) }))
            for seed in seeds.map({ $0.map(Optional.some) }) ?? [nil] {
                var run = c
                run.tree = tree
                var seedLabels: [String] = []
                if let seed {
                    try? run.tree.set(.int(seed), at: ["seed"])
                    seedLabels = [RunIdentity.label(path: "seed", value: .int(seed))]
                }
                run.identity = run.tree
                run.labels = c.labels + tuneLabels + seedLabels
                run.membership = member
                out.append(run)
            }
        }
        return out
    }
}
