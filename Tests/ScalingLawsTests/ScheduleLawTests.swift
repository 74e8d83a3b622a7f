import Foundation
import RunSchema
import Testing
import ScalingLaws

@Suite struct ScheduleLawTests {
    /// Luo et al.'s fitted values for their 25M model (in their units: rates as logged).
    static let truth = [3.04, 0.525, 0.508, 363.8, 2.066, 0.583, 0.641]
    static let peak = 3e-4, steps = 1000, warmup = 50

    /// The trainer's schedules (RunSchema's `LRSchedule`), step by step.
    static func trace(_ kind: ScheduleConfig.Kind, edit: (inout ScheduleConfig) -> Void = { _ in }) -> LRTrace {
        var config = ScheduleConfig(kind: kind)
        config.warmupSteps = warmup
        config.minLRRatio = 0.1
        edit(&config)
        return LRTrace(LRSchedule(config, peak: peak, totalSteps: steps))
    }
    static var constant: LRTrace { trace(.constant) }
    static var cosine: LRTrace { trace(.cosine) }
    static var wsd: LRTrace { trace(.wsd) { $0.decaySteps = 200; $0.decayShape = .linear } }

    /// Curves generated from known parameters, via a reference fit result (the law itself).
    static func curve(_ id: String, _ schedule: LRTrace, kind: ScheduleLawKind, truth: [Double],
                      sigma: Double = 0, seed: UInt64 = 0) throws -> ScheduleCurve {
        let logged = Array(stride(from: 20, through: steps, by: 20))
        let law = try ScheduleFit.law(kind, parameters: truth, referenceLR: peak)
        var noise = Noise(seed: seed)
        return ScheduleCurve(runID: id, schedule: schedule, steps: logged,
                             loss: law.predict(schedule, steps: logged).map { $0 * noise.factor(sigma) })
    }

    @Test func multiPowerRecoversTruthAndPredictsWSD() throws {
        let fitCurves = [try Self.curve("constant", Self.constant, kind: .multiPower, truth: Self.truth),
                         try Self.curve("cosine", Self.cosine, kind: .multiPower, truth: Self.truth)]
        let wsd = try Self.curve("wsd", Self.wsd, kind: .multiPower, truth: Self.truth)
        let fit = try ScheduleFit.fit(fitCurves, predict: [wsd])
        for (j, name) in ["L0", "A", "alpha", "B", "C", "beta", "gamma"].enumerated() {
            #expect(relativeError(fit.parameters[name]!.estimate, Self.truth[j]) < 1e-4, "\(name): \(fit.parameters[name]!.estimate)")
        }
        #expect(fit.predictions[0].maxRelativeError < 1e-5)
    }

    /// With noise, constant + cosine alone leave the decay-response parameters (C, β, γ) nearly
    /// free; a step-decay curve pins them. L0, A, α, B are well determined and must cover the truth;
    /// C, β, γ only within wide bounds; the held-out WSD curve is predicted to 0.3%.
    @Test func multiPowerNoisyTruthInsideIntervals() throws {
        let step = LRTrace(perStep: Self.constant.lr.enumerated().map { $0.offset >= 600 ? $0.element / 5 : $0.element })
        let fitCurves = [try Self.curve("constant", Self.constant, kind: .multiPower, truth: Self.truth, sigma: 0.0005, seed: 1),
                         try Self.curve("cosine", Self.cosine, kind: .multiPower, truth: Self.truth, sigma: 0.0005, seed: 2),
                         try Self.curve("step", step, kind: .multiPower, truth: Self.truth, sigma: 0.0005, seed: 3)]
        let wsd = try Self.curve("wsd", Self.wsd, kind: .multiPower, truth: Self.truth)
        var options = ScheduleOptions()
        options.bootstrap = BootstrapOptions(resamples: 60, seed: 1)
        let fit = try ScheduleFit.fit(fitCurves, predict: [wsd], options: options)
        for (j, name) in ["L0", "A", "alpha", "B"].enumerated() {
            let p = fit.parameters[name]!
            #expect(p.contains(Self.truth[j]), "\(name): \(Self.truth[j]) outside \(p.ci95 ?? [])")
        }
        for (j, name) in [(4, "C"), (5, "beta"), (6, "gamma")] {
            let p = fit.parameters[name]!
            #expect(p.estimate > Self.truth[j] / 30 && p.estimate < Self.truth[j] * 30, "\(name): \(p.estimate)")
        }
        #expect(fit.predictions[0].maxRelativeError < 0.003, "\(fit.predictions[0].maxRelativeError)")
    }

    @Test func annealingLawRecoversTruth() throws {
        let truth = [2.9, 0.45, 0.45, 1.2]
        let fitCurves = [try Self.curve("constant", Self.constant, kind: .annealing, truth: truth),
                         try Self.curve("cosine", Self.cosine, kind: .annealing, truth: truth)]
        var options = ScheduleOptions()
        options.law = .annealing
        let fit = try ScheduleFit.fit(fitCurves, predict: [try Self.curve("wsd", Self.wsd, kind: .annealing, truth: truth)], options: options)
        for (j, name) in ["L0", "A", "alpha", "C"].enumerated() {
            #expect(relativeError(fit.parameters[name]!.estimate, truth[j]) < 1e-4, "\(name)")
        }
        #expect(fit.predictions[0].maxRelativeError < 1e-5)
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let curves = [try Self.curve("cosine", Self.cosine, kind: .multiPower, truth: Self.truth, sigma: 0.01, seed: 3),
                      try Self.curve("wsd", Self.wsd, kind: .multiPower, truth: Self.truth, sigma: 0.01, seed: 4)]
        for (kind, theta) in [(ScheduleLawKind.multiPower, [3.0, 30.0, 0.5, 0.1, log(0.1), 0.6, 0.6]),
                              (.annealing, [3.0, 30.0, 0.5, 0.05])] {
            let analytic = ScheduleFit.objectiveAndGradient(curves, kind: kind, theta: theta).gradient
            let numeric = finiteDifferenceGradient(theta) { ScheduleFit.objectiveAndGradient(curves, kind: kind, theta: $0).value }
            #expect(maxRelativeDifference(analytic, numeric, floor: 1e-7) < 1e-5, "\(kind): \(analytic) vs \(numeric)")
        }
    }

    @Test func scheduleFromLoggedRatesAndWarmup() throws {
        // A cosine logged every 10 steps is rebuilt to within the interpolation error.
        let logged = Array(stride(from: 10, through: Self.steps, by: 10))
        let curve = LossCurve(runID: "r", step: logged.map(Double.init), lr: logged.map { Self.cosine.lr[$0 - 1] },
                              loss: logged.map { _ in 3.0 })
        let rebuilt = try ScheduleCurve(curve).schedule
        #expect(rebuilt.steps == Self.steps)
        #expect(maxRelativeDifference(Array(rebuilt.lr[10...]), Array(Self.cosine.lr[10...])) < 1e-3)
    }
}

/// A decay to exactly zero is the limit of a decay to almost zero: no sudden drop at the last
/// step (the η_k = 0 terms on the zero-rate tail), for γ below and above 1.
@Suite struct ScheduleLawZeroRateTests {
    @Test func decayToZeroIsContinuousWithDecayToAlmostZero() throws {
        for gamma in [0.64, 1e-6, 1.5] {
            var truth = ScheduleLawTests.truth
            truth[6] = gamma
            let law = try ScheduleFit.law(.multiPower, parameters: truth, referenceLR: ScheduleLawTests.peak)
            let toZero = ScheduleLawTests.trace(.wsd) { $0.decaySteps = 200; $0.minLRRatio = 0 }
            #expect(toZero.lr.last == 0)
            let almost = LRTrace(perStep: toZero.lr.map { max($0, 1e-13) })
            let steps = [990, 999, 1000]
            let a = law.predict(toZero, steps: steps), b = law.predict(almost, steps: steps)
            for (x, y) in zip(a, b) { #expect(abs(x - y) < 1e-4, "gamma \(gamma): \(a) vs \(b)") }
            #expect(abs((a[2] - a[1]) - (a[1] - a[0]) / 9) < 0.01, "gamma \(gamma): no jump at the last step \(a)")
        }
    }
}

/// `--fix` for the schedule laws: a decay response carried from one fit to another.
@Suite struct ScheduleLawFixTests {
    typealias T = ScheduleLawTests

    /// With B, C, β, γ fixed at the truth, the constant curve alone gives L0, A, α, and the fit
    /// predicts the WSD and step curves it never saw; left free, the same data cannot.
    @Test func fixedDecayResponsePredictsDecayingCurvesFromAConstantOne() throws {
        let constant = try T.curve("constant", T.constant, kind: .multiPower, truth: T.truth, sigma: 0.0005, seed: 4)
        let step = LRTrace(perStep: T.constant.lr.enumerated().map { $0.offset >= 700 ? $0.element / 10 : $0.element })
        let held = [try T.curve("wsd", T.wsd, kind: .multiPower, truth: T.truth),
                    try T.curve("step", step, kind: .multiPower, truth: T.truth)]
        var options = ScheduleOptions()
        options.fixed = zip(["B", "C", "beta", "gamma"], T.truth[3...]).map { ParameterFix(name: $0, value: $1) }
        let fit = try ScheduleFit.fit([constant], predict: held, options: options)
        for (j, name) in ["L0", "A", "alpha"].enumerated() {
            #expect(relativeError(fit.parameters[name]!.estimate, T.truth[j]) < 0.02, "\(name): \(fit.parameters[name]!.estimate)")
        }
        for (j, name) in [(3, "B"), (4, "C"), (5, "beta"), (6, "gamma")] {
            #expect(fit.parameters[name]!.fixed && relativeError(fit.parameters[name]!.estimate, T.truth[j]) < 1e-12)
        }
        #expect(!fit.warnings.contains { $0.contains("not identified") })
        for p in fit.predictions { #expect(p.maxRelativeError < 0.002, "\(p.runID): \(p.maxRelativeError)") }
        // Nothing fixed: a constant curve says nothing about the decay (warned, and off).
        let free = try ScheduleFit.fit([constant], predict: held)
        #expect(free.warnings.contains { $0.contains("not identified") })
        #expect(free.predictions.map(\.maxRelativeError).max()! > 0.01)
    }

    @Test func fixErrorsNameTheParameter() throws {
        let constant = try T.curve("constant", T.constant, kind: .multiPower, truth: T.truth)
        func message(_ fixes: [(String, Double)], law: ScheduleLawKind = .multiPower) -> String {
            var options = ScheduleOptions()
            options.law = law
            options.fixed = fixes.map { ParameterFix(name: $0.0, value: $0.1) }
            do { _ = try ScheduleFit.fit([constant], options: options); return "no error" } catch { return "\(error)" }
        }
        #expect(message([("C", 2.0)]) == "--fix C: its fitting value (rates normalised by the peak lr) depends on gamma; fix gamma too")
        #expect(message([("A", 0.5)]) == "--fix A: its fitting value (rates normalised by the peak lr) depends on alpha; fix alpha too")
        #expect(message([("beta", -1)]) == "--fix beta=-1: outside the law's domain (C, beta and gamma must be positive)")
        #expect(message([("B", 300)], law: .annealing).hasPrefix("--fix B: the annealing law has no parameter 'B'"))
        #expect(message([("C", 2.0), ("gamma", 0.6)]) == "no error")
    }
}
