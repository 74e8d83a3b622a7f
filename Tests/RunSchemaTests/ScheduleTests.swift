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
