import Foundation

/// Learning-rate schedules as pure functions of the step. Step base: 0-based, the update that
/// starts from step s trains with lr(s) and metrics.jsonl logs it as step s + 1 (the step count
/// after the update). The trainer and the fitter (`LRTrace` in ScalingLaws, whose `lr[s]` is
/// the rate of logged step s + 1) share these semantics.
///
/// - `constant`: linear warmup, then the peak.
/// - `cosine`: warmup, then half a cosine from the peak to `min_lr_ratio`·peak at the last step
///   (nanoGPT's `get_lr`, with the decay ending at the run's last step).
/// - `wsd` (warmup–stable–decay): warmup, the peak until the cooldown, then a decay over the last
///   `decay_steps` (or `decay_fraction` of the run) to `min_lr_ratio`·peak, shaped `linear`,
///   `cosine` or `1-sqrt` (Hägele et al. 2024). Because the stable phase does not depend on the
///   run's length, a checkpoint from it can start a cooldown branch to any later budget.
public struct ScheduleConfig: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case constant, cosine, wsd }
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

    public init(kind: Kind = .cosine) { self.kind = kind }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, warmupSteps = "warmup_steps", minLRRatio = "min_lr_ratio", decaySteps = "decay_steps"
        case decayFraction = "decay_fraction", decayShape = "decay_shape"
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

    public init(_ config: ScheduleConfig, peak: Double, totalSteps: Int) {
        self.config = config
        self.peak = peak
        self.totalSteps = totalSteps
    }

    public func lr(step: Int) -> Double {
        let c = config, minLR = peak * c.minLRRatio
        if step < c.warmupSteps { return peak * Double(step + 1) / Double(c.warmupSteps) }
        switch c.kind {
        case .constant:
            return peak
        case .cosine:
            let span = max(totalSteps - 1 - c.warmupSteps, 1)
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
