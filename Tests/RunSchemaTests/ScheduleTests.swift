import RunSchema
import Testing

@Suite struct ScheduleTests {
    func schedule(_ kind: ScheduleConfig.Kind, total: Int = 100, warmup: Int = 10, edit: (inout ScheduleConfig) -> Void = { _ in }) -> LRSchedule {
        var c = ScheduleConfig(kind: kind)
        c.warmupSteps = warmup
        c.minLRRatio = 0.1
        edit(&c)
        return LRSchedule(c, peak: 1.0, totalSteps: total)
    }

    @Test func linearWarmup() {
        let s = schedule(.constant)
        #expect(s.lr(step: 0) == 0.1)
        #expect(abs(s.lr(step: 4) - 0.5) < 1e-12)
        #expect(s.lr(step: 9) == 1.0)
        #expect(s.lr(step: 10) == 1.0 && s.lr(step: 99) == 1.0)
    }

    @Test func cosineDecaysToTheMinimumAtTheLastStep() {
        let s = schedule(.cosine)
        #expect(s.lr(step: 10) == 1.0)
        #expect(abs(s.lr(step: 99) - 0.1) < 1e-12)
        #expect(abs(s.lr(step: 10 + 89 / 2) - 0.55) < 0.02)  // midpoint of the cosine
        let values = (10..<100).map { s.lr(step: $0) }
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 })
    }

    @Test func wsdShapes() {
        // 100 steps, cooldown 20: stable through step 79, minimum at step 99.
        for shape in [ScheduleConfig.DecayShape.linear, .cosine, .oneMinusSqrt] {
            let s = schedule(.wsd) { $0.decaySteps = 20; $0.decayShape = shape }
            #expect(s.lr(step: 50) == 1.0 && s.lr(step: 79) == 1.0)
            #expect(abs(s.lr(step: 99) - 0.1) < 1e-12)
            #expect(s.lr(step: 80) < 1.0)
        }
        let linear = schedule(.wsd) { $0.decaySteps = 20; $0.decayShape = .linear }
        #expect(abs(linear.lr(step: 89) - 0.55) < 1e-12)  // halfway: progress 10/20
        let sqrt = schedule(.wsd) { $0.decaySteps = 20; $0.decayShape = .oneMinusSqrt }
        #expect(abs(sqrt.lr(step: 84) - (0.1 + 0.9 * (1 - 0.25.squareRoot()))) < 1e-12)  // progress 5/20
        let fraction = schedule(.wsd) { $0.decayFraction = 0.1 }
        #expect(fraction.lr(step: 89) == 1.0 && fraction.lr(step: 90) < 1.0)
    }

    /// The property WSD branches rely on: runs of different lengths share the stable phase, so a
    /// stable checkpoint can continue into any later cooldown.
    @Test func wsdStablePhaseIsIndependentOfRunLength() {
        let short = schedule(.wsd, total: 100) { $0.decaySteps = 20 }
        let long = schedule(.wsd, total: 400) { $0.decaySteps = 20 }
        for step in 0..<80 { #expect(short.lr(step: step) == long.lr(step: step)) }
    }

    @Test func scheduleErrorsNameTheField() {
        var c = ScheduleConfig(kind: .wsd)
        c.warmupSteps = 90
        c.decaySteps = 20
        #expect(throws: ConfigError.self) { try c.validate(totalSteps: 100) }
        do { try c.validate(totalSteps: 100) } catch {
            #expect("\(error)" == "decay_steps: cooldown of 20 steps does not fit after 90 warmup steps in 100 steps")
        }
    }
}

/// Cosine horizons and the step kind.
extension ScheduleTests {
    /// Kaplan-style: the cosine follows its fixed horizon, so a short run stops high on it and two
    /// runs of different lengths share every step.
    @Test func cosineHorizonIsIndependentOfRunLength() {
        let short = schedule(.cosine, total: 100) { $0.horizonSteps = 1000 }
        let long = schedule(.cosine, total: 1000) { $0.horizonSteps = 1000 }
        let plain = schedule(.cosine, total: 1000) { _ in }
        for step in [0, 9, 10, 50, 99] { #expect(short.lr(step: step) == long.lr(step: step)) }
        for step in [0, 10, 500, 999] { #expect(long.lr(step: step) == plain.lr(step: step)) }
        #expect(short.lr(step: 99) > 0.98)  // 89 of 989 decay steps: still 98% of the peak
        let past = schedule(.cosine, total: 300) { $0.horizonSteps = 200 }
        #expect(abs(past.lr(step: 199) - 0.1) < 1e-12 && abs(past.lr(step: 299) - 0.1) < 1e-12)
    }

    @Test func stepDropsByGammaAtEachMilestone() {
        let s = schedule(.step) { $0.milestones = [50, 80]; $0.gamma = 0.5 }
        #expect(s.lr(step: 5) == 0.6)  // warmup first
        #expect(s.lr(step: 10) == 1 && s.lr(step: 49) == 1)
        #expect(s.lr(step: 50) == 0.5 && s.lr(step: 79) == 0.5)
        #expect(s.lr(step: 80) == 0.25 && s.lr(step: 99) == 0.25)
        let byFraction = schedule(.step) { $0.milestoneFractions = [0.5, 0.8]; $0.gamma = 0.5 }
        for step in 0..<100 { #expect(byFraction.lr(step: step) == s.lr(step: step)) }
    }

    @Test func horizonAndStepErrorsNameTheField() {
        func message(_ kind: ScheduleConfig.Kind, _ edit: (inout ScheduleConfig) -> Void) -> String {
            var c = ScheduleConfig(kind: kind)
            c.warmupSteps = 10
            edit(&c)
            do { try c.validate(totalSteps: 100); return "no error" } catch { return "\(error)" }
        }
        #expect(message(.wsd) { $0.horizonSteps = 500 } == "horizon_steps: applies to the cosine kind only, not wsd")
        #expect(message(.cosine) { $0.horizonSteps = 5 } == "horizon_steps: must be greater than warmup_steps = 10, got 5")
        #expect(message(.step) { _ in }.hasPrefix("milestones: the step kind needs exactly one of"))
        #expect(message(.step) { $0.milestones = [50]; $0.milestoneFractions = [0.5] }.hasPrefix("milestone_fractions: the step kind needs exactly one"))
        #expect(message(.step) { $0.milestones = [60, 50] }.hasPrefix("milestones: must be a non-empty, strictly increasing list"))
        #expect(message(.step) { $0.milestones = [5] }.hasPrefix("milestones: milestones (steps [5]) must fall after the 10 warmup steps"))
        #expect(message(.step) { $0.milestoneFractions = [1.5] }.hasPrefix("milestone_fractions: must be a non-empty list of fractions in (0, 1)"))
        #expect(message(.step) { $0.milestones = [50]; $0.gamma = 0 } == "gamma: must be in (0, 1], got 0.0")
        #expect(message(.cosine) { $0.milestones = [50] } == "milestones: applies to the step kind only, not cosine")
        #expect(message(.step) { $0.milestones = [50]; $0.gamma = 0.3 } == "no error")
    }
}
