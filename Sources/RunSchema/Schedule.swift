import Foundation

/// Learning-rate schedules as pure functions of the step. Step base: 0-based, the update that
/// starts from step s trains with lr(s) and metrics.jsonl logs it as step s + 1 (the step count
/// after the update). The trainer and the fitter (`LRTrace` in ScalingLaws, whose `lr[s]` is
/// the rate of logged step s + 1) share these semantics.
///
/// - `constant`: linear warmup, then the peak.
/// - `cosine`: warmup, then half a cosine from the peak to `min_lr_ratio`·peak at the last step
///   (nanoGPT's `get_lr`, with the decay ending at the run's last step), or at step
///   `horizon_steps` − 1 when that is set: Kaplan et al.'s fixed schedule, which does not depend
///   on the run's budget (the rate stays at the minimum after the horizon).
/// - `step`: warmup, then the peak multiplied by `gamma` at each milestone (PyTorch's
///   MultiStepLR): `milestones` in steps or `milestone_fractions` of the run. One milestone is the
///   two-stage schedule of Luo et al. 2025's multi-power law paper.
/// - `wsd` (warmup–stable–decay): warmup, the peak until the cooldown, then a decay over the last
///   `decay_steps` (or `decay_fraction` of the run) to `min_lr_ratio`·peak, shaped `linear`,
///   `cosine` or `1-sqrt` (Hägele et al. 2024). Because the stable phase does not depend on the
///   run's length, a checkpoint from it can start a cooldown branch to any later budget.
public struct ScheduleConfig: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case constant, cosine, wsd, step }
    public enum DecayShape: String, Codable, Sendable, CaseIterable {
        case linear, cosine
        case oneMinusSqrt = "1-sqrt"
    }

    public var kind: Kind = .cosine
    public var warmupSteps = 0
    /// Final lr as a fraction of the peak (cosine and wsd).
    public var minLRRatio: Double = 0.1
    /// WSD cooldown length: `decay_steps`, else `decay_fraction` of the total steps.
    public var decaySteps: Int?
    public var decayFraction: Double = 0.2
    public var decayShape: DecayShape = .oneMinusSqrt
    /// cosine: the step count the decay spans instead of the run's (nil: the run's).
    public var horizonSteps: Int?
    /// step: where the rate drops, in steps or as fractions of the run (exactly one of the two).
    public var milestones: [Int]?
    public var milestoneFractions: [Double]?
    /// step: the factor applied at each milestone.
    public var gamma: Double = 0.1

    public init(kind: Kind = .cosine) { self.kind = kind }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, warmupSteps = "warmup_steps", minLRRatio = "min_lr_ratio", decaySteps = "decay_steps"
        case decayFraction = "decay_fraction", decayShape = "decay_shape", horizonSteps = "horizon_steps"
        case milestones, milestoneFractions = "milestone_fractions", gamma
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(Kind.self, forKey: .kind) ?? kind
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? warmupSteps
        minLRRatio = try c.decodeIfPresent(Double.self, forKey: .minLRRatio) ?? minLRRatio
        decaySteps = try c.decodeIfPresent(Int.self, forKey: .decaySteps)
        decayFraction = try c.decodeIfPresent(Double.self, forKey: .decayFraction) ?? decayFraction
        decayShape = try c.decodeIfPresent(DecayShape.self, forKey: .decayShape) ?? decayShape
        horizonSteps = try c.decodeIfPresent(Int.self, forKey: .horizonSteps)
        milestones = try c.decodeIfPresent([Int].self, forKey: .milestones)
        milestoneFractions = try c.decodeIfPresent([Double].self, forKey: .milestoneFractions)
        gamma = try c.decodeIfPresent(Double.self, forKey: .gamma) ?? gamma
    }

    /// The `step` kind's milestones in steps for a run of `totalSteps`, ascending.
    public func milestoneSteps(totalSteps: Int) -> [Int] {
        if let milestones { return milestones }
        return (milestoneFractions ?? []).map { Int(($0 * Double(totalSteps)).rounded()) }
    }

    /// The WSD cooldown length for a run of `totalSteps`.
    public func cooldownSteps(totalSteps: Int) -> Int {
        decaySteps ?? Int((Double(totalSteps) * decayFraction).rounded())
    }

    /// The first step of the WSD cooldown (the stable phase ends before it).
    public func decayStart(totalSteps: Int) -> Int {
        kind == .wsd ? max(warmupSteps, totalSteps - cooldownSteps(totalSteps: totalSteps)) : warmupSteps
    }

    public func validate(totalSteps: Int) throws {
        func check(_ ok: Bool, _ field: String, _ message: String) throws {
            if !ok { throw ConfigError([field], message) }
        }
        try check(warmupSteps >= 0, "warmup_steps", "must be ≥ 0, got \(warmupSteps)")
        try check(minLRRatio >= 0 && minLRRatio <= 1, "min_lr_ratio", "must be in [0, 1], got \(minLRRatio)")
        try check(decayFraction >= 0 && decayFraction <= 1, "decay_fraction", "must be in [0, 1], got \(decayFraction)")
        if let decaySteps { try check(decaySteps >= 0, "decay_steps", "must be ≥ 0, got \(decaySteps)") }
        if let horizonSteps {
            try check(kind == .cosine, "horizon_steps", "applies to the cosine kind only, not \(kind.rawValue)")
            try check(horizonSteps > warmupSteps, "horizon_steps", "must be greater than warmup_steps = \(warmupSteps), got \(horizonSteps)")
        }
        let stepFields = [milestones != nil ? "milestones" : nil, milestoneFractions != nil ? "milestone_fractions" : nil].compactMap { $0 }
        if kind == .step {
            try check(stepFields.count == 1, stepFields.count == 0 ? "milestones" : "milestone_fractions",
                      "the step kind needs exactly one of milestones (steps) and milestone_fractions (of the run)")
            if let f = milestoneFractions {
                try check(!f.isEmpty && f.allSatisfy { $0 > 0 && $0 < 1 }, "milestone_fractions", "must be a non-empty list of fractions in (0, 1), got \(f)")
            }
            let steps = milestoneSteps(totalSteps: totalSteps)
            try check(!steps.isEmpty && zip(steps, steps.dropFirst()).allSatisfy { $0 < $1 }, stepFields[0],
                      "must be a non-empty, strictly increasing list, got \(milestones.map { "\($0)" } ?? "\(milestoneFractions!)") (steps \(steps))")
            try check(steps.first! > warmupSteps && steps.last! < totalSteps, stepFields[0],
                      "milestones (steps \(steps)) must fall after the \(warmupSteps) warmup steps and before the run's last step \(totalSteps)")
            try check(gamma > 0 && gamma <= 1, "gamma", "must be in (0, 1], got \(gamma)")
        } else if let field = stepFields.first {
            try check(false, field, "applies to the step kind only, not \(kind.rawValue)")
        }
        if kind == .wsd {
            try check(cooldownSteps(totalSteps: totalSteps) <= totalSteps - warmupSteps, "decay_steps",
                      "cooldown of \(cooldownSteps(totalSteps: totalSteps)) steps does not fit after \(warmupSteps) warmup steps in \(totalSteps) steps")
        }
    }
}

/// A schedule bound to a peak learning rate and a run length.
public struct LRSchedule: Sendable {
    public let config: ScheduleConfig
    public let peak: Double
    public let totalSteps: Int
    /// The step kind's milestones, resolved once so the step loop does not allocate.
    private let milestones: [Int]

    public init(_ config: ScheduleConfig, peak: Double, totalSteps: Int) {
        self.config = config
        self.peak = peak
        self.totalSteps = totalSteps
        milestones = config.kind == .step ? config.milestoneSteps(totalSteps: totalSteps) : []
    }

    public func lr(step: Int) -> Double {
        let c = config, minLR = peak * c.minLRRatio
        if step < c.warmupSteps { return peak * Double(step + 1) / Double(c.warmupSteps) }
        switch c.kind {
        case .constant:
            return peak
        case .step:
            var passed = 0
            for m in milestones where step >= m { passed += 1 }
            return peak * Foundation.pow(c.gamma, Double(passed))
        case .cosine:
            let span = max((c.horizonSteps ?? totalSteps) - 1 - c.warmupSteps, 1)
            let progress = min(Double(step - c.warmupSteps) / Double(span), 1)
            return minLR + 0.5 * (1 + Foundation.cos(.pi * progress)) * (peak - minLR)
        case .wsd:
            let start = c.decayStart(totalSteps: totalSteps), length = totalSteps - start
            guard step >= start, length > 0 else { return peak }
            // progress reaches 1 at the last step, so the run ends at the minimum.
            let progress = min(Double(step - start + 1) / Double(length), 1)
            let factor: Double
            switch c.decayShape {
            case .linear: factor = 1 - progress
            case .cosine: factor = 0.5 * (1 + Foundation.cos(.pi * progress))
            case .oneMinusSqrt: factor = 1 - progress.squareRoot()
            }
            return minLR + factor * (peak - minLR)
        }
    }
}
