import Foundation

/// One loss curve to fit or predict: a per-step schedule and the losses logged at some steps.
public struct ScheduleCurve: Sendable, Equatable {
    public var runID: String
    public var schedule: LRTrace
    /// 1-based optimiser steps with a logged loss, ascending, ≤ schedule.steps.
    public var steps: [Int]
    public var loss: [Double]

    public init(runID: String, schedule: LRTrace, steps: [Int], loss: [Double]) {
        self.runID = runID
        self.schedule = schedule
        self.steps = steps
        self.loss = loss
    }

    /// From a logged curve: the schedule rebuilt from the logged rates (`LRTrace.interpolating`),
    /// points with a loss and step ≥ 1 kept.
    public init(_ curve: LossCurve) throws {
        var lrSteps: [Double] = [], lrValues: [Double] = []
        for i in curve.step.indices { if let lr = curve.lr[i] { lrSteps.append(curve.step[i]); lrValues.append(lr) } }
        guard !lrSteps.isEmpty else { throw FitError("schedule: run \(curve.runID) has no logged learning rates (lr)") }
        if let bad = lrValues.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw FitError("schedule: run \(curve.runID) step \(formatNumber(lrSteps[bad])): lr = \(lrValues[bad]) is not a rate")
        }
        var steps: [Int] = [], loss: [Double] = []
        for i in curve.step.indices {
            guard let l = curve.loss[i], curve.step[i] >= 1 else { continue }
            steps.append(Int(curve.step[i].rounded())); loss.append(l)
        }
        guard let last = steps.last else { throw FitError("schedule: run \(curve.runID) has no logged losses") }
        self.init(runID: curve.runID,
                  schedule: LRTrace.interpolating(steps: lrSteps, lr: lrValues, through: max(last, Int(lrSteps.max()!.rounded()))),
                  steps: steps, loss: loss)
    }
}

public enum ScheduleLawKind: String, Sendable, Codable, CaseIterable {
    case multiPower = "multi-power"
    case annealing
}

public struct ScheduleOptions: Sendable, Equatable {
    public var law = ScheduleLawKind.multiPower
    /// λ of the annealing law.
    public var annealingDecay = 0.999
    public var loss = RowLoss.squared
    /// Points resampled with replacement across the fitted curves. Points of one curve are
    /// correlated, so these intervals are optimistic; 0 = none.
    public var bootstrap = BootstrapOptions(resamples: 0)
    public var threads: Int?
    public var optimizer = LBFGSOptions()
    /// Parameters held at given values (paper units), e.g. another size's decay response.
    public var fixed: [ParameterFix] = []
    public init() {}
}

/// A fitted or predicted curve, for plots and error reports.
public struct CurveComparison: Codable, Sendable, Equatable {
    public var runID: String
    public var steps: [Int]
    public var observed: [Double]
    public var predicted: [Double]
    /// Root mean square of predicted − observed.
    public var rmse: Double
    /// Largest |predicted − observed| / observed.
    public var maxRelativeError: Double
    /// |predicted − observed| / observed at the last point.
    public var finalRelativeError: Double

    init(runID: String, steps: [Int], observed: [Double], predicted: [Double]) {
        self.runID = runID; self.steps = steps; self.observed = observed; self.predicted = predicted
        let n = Double(max(steps.count, 1))
        rmse = (zip(observed, predicted).reduce(0) { $0 + ($1.1 - $1.0) * ($1.1 - $1.0) } / n).squareRoot()
        maxRelativeError = zip(observed, predicted).map { abs($1 - $0) / $0 }.max() ?? 0
        finalRelativeError = observed.last.map { abs(predicted.last! - $0) / $0 } ?? 0
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", steps, observed, predicted, rmse
        case maxRelativeError = "max_relative_error", finalRelativeError = "final_relative_error"
    }
}

public struct ScheduleResult: FitReport {
    public var law: String
    /// In the paper's units (see the law's documentation).
    public var parameters: ParameterTable
    public var kind: ScheduleLawKind
    /// The reference learning rate the internal fit was normalised by.
    public var referenceLR: Double
    /// θ in normalised units (what `predict` uses).
    public var theta: [Double]
    public var annealingDecay: Double
    public var fitted: [CurveComparison]
    public var predictions: [CurveComparison]
    public var objective: Double
    public var bootstrapResamples: Int
    public var bootstrapSucceeded: Int
    public var warnings: [String]

    var model: any ScheduleLaw { ScheduleFit.law(kind, decay: annealingDecay) }

    /// The law's loss curve for another schedule at the given 1-based steps.
    public func predict(_ schedule: LRTrace, steps: [Int]) -> [Double] {
        let prepared = PreparedSchedule(schedule, referenceLR: referenceLR)
        let clamped = steps.map { min(max($0, 1), schedule.steps) }
        let order = clamped.indices.sorted { clamped[$0] < clamped[$1] }
        var sorted = Array(repeating: 0.0, count: steps.count)
        sorted.withUnsafeMutableBufferPointer { model.predict(theta, prepared, steps: order.map { clamped[$0] }, values: $0, jacobian: nil) }
        var values = Array(repeating: 0.0, count: steps.count)
        for (k, i) in order.enumerated() { values[i] = sorted[k] }
        return values
    }

    /// Predicts curves and reports their errors on the points after warmup (the laws describe
    /// training after warmup; those are the points fitted).
    public func compare(_ curves: [ScheduleCurve]) -> [CurveComparison] {
        curves.map { curve in
            let warmup = PreparedSchedule(curve.schedule, referenceLR: referenceLR).warmup
            let kept = curve.steps.indices.filter { curve.steps[$0] > warmup }
            let steps = kept.map { curve.steps[$0] }
            return CurveComparison(runID: curve.runID, steps: steps, observed: kept.map { curve.loss[$0] },
                                   predicted: predict(curve.schedule, steps: steps))
        }
    }

    public func detailLines() -> [String] {
        var lines = ["objective \(formatNumber(objective)); rates in units of the logged lr (reference \(formatNumber(referenceLR)))"]
        let rows = (fitted.map { ($0, "fitted") } + predictions.map { ($0, "predicted") }).map { c, role in
            [c.runID, role, "\(c.steps.count)", formatNumber(c.rmse), formatNumber(c.maxRelativeError), formatNumber(c.finalRelativeError)]
        }
        lines += formatColumns(header: ["run", "role", "points", "rmse", "max rel. error", "final rel. error"], rows: rows)
        return lines
    }

    enum CodingKeys: String, CodingKey {
        case law, parameters, referenceLR = "reference_lr", fitted, predictions, objective
        case bootstrapResamples = "bootstrap_resamples", bootstrapSucceeded = "bootstrap_succeeded", warnings
    }
}

/// Σ w·ρ(predicted − observed) / Σ w over the post-warmup points of all fitted curves. Points
/// stay grouped by curve (the laws precompute per curve); a bootstrap resample only reweights them.
struct ScheduleObjective<Law: ScheduleLaw>: ResamplableObjective, LeastSquaresProblem {
    let law: Law
    let schedules: [PreparedSchedule]
    /// Per curve: fitted steps and observed losses.
    let steps: [[Int]]
    let observed: [[Double]]
    /// Flattened in curve order.
    let weights: [Double]
    let loss: RowLoss
    var dimension: Int { law.parameterNames.count }
    var rowCount: Int { weights.count }
    var residualWeights: [Double] { weights }

    func reweighted(_ counts: [Double]) -> ScheduleObjective<Law> {
        ScheduleObjective(law: law, schedules: schedules, steps: steps, observed: observed,
                          weights: zip(counts, weights).map { $0 * $1 }, loss: loss)
    }

    /// Predictions minus observations (flattened) and, when asked, the Jacobian.
    func predictions(_ theta: [Double], jacobian wantJacobian: Bool) -> (r: [Double], jacobian: [Double]) {
        let p = dimension
        var r = Array(repeating: 0.0, count: weights.count)
        var jacobian = Array(repeating: 0.0, count: wantJacobian ? weights.count * p : 0)
        var offset = 0
        for k in schedules.indices {
            let count = steps[k].count
            r.withUnsafeMutableBufferPointer { rb in
                let values = UnsafeMutableBufferPointer(rebasing: rb[offset..<(offset + count)])
                if wantJacobian {
                    jacobian.withUnsafeMutableBufferPointer { jb in
                        law.predict(theta, schedules[k], steps: steps[k], values: values,
                                    jacobian: UnsafeMutableBufferPointer(rebasing: jb[(offset * p)..<((offset + count) * p)]))
                    }
                } else {
                    law.predict(theta, schedules[k], steps: steps[k], values: values, jacobian: nil)
                }
            }
            for i in 0..<count { r[offset + i] -= observed[k][i] }
            offset += count
        }
        return (r, jacobian)
    }

    func residuals(_ theta: [Double], jacobian: Bool) -> (r: [Double], jacobian: [Double])? {
        let result = predictions(theta, jacobian: jacobian)
        for v in result.r where !v.isFinite { return nil }
        for v in result.jacobian where !v.isFinite { return nil }
        return result
    }

    func evaluate(_ theta: [Double], gradient: inout [Double]) -> Double {
        let p = dimension
        for j in 0..<p { gradient[j] = 0 }
        let (r, jacobian) = predictions(theta, jacobian: true)
        var total = 0.0, totalWeight = 0.0
        for i in r.indices where weights[i] > 0 {
            total += weights[i] * loss.value(r[i])
            totalWeight += weights[i]
            let psi = weights[i] * loss.derivative(r[i])
            for j in 0..<p { gradient[j] += psi * jacobian[i * p + j] }
        }
        let inverse = 1 / max(totalWeight, 1e-300)
        for j in 0..<p { gradient[j] *= inverse }
        return total * inverse
    }
}

/// Fits a schedule-aware loss-curve law on one or more curves of the same model (e.g. a constant
/// and a cosine run) and predicts others (e.g. WSD). Multi-power is the default law.
public enum ScheduleFit {
    static func law(_ kind: ScheduleLawKind, decay: Double) -> any ScheduleLaw {
        switch kind {
        case .multiPower: return MultiPowerLaw()
        case .annealing: return AnnealingLaw(decay: decay)
        }
    }

    /// A law with given parameters (paper units, the order of its `parameterNames`) for rates in
    /// the units of `referenceLR`: use it to predict curves without fitting.
    public static func law(_ kind: ScheduleLawKind, parameters: [Double], referenceLR: Double,
                           annealingDecay: Double = 0.999) throws -> ScheduleResult {
        let model = law(kind, decay: annealingDecay)
        guard parameters.count == model.parameterNames.count else {
            throw FitError("schedule: \(kind.rawValue) has \(model.parameterNames.count) parameters (\(model.parameterNames.joined(separator: ", "))), got \(parameters.count)")
        }
        let theta = model.normalisedUnits(parameters, referenceLR: referenceLR)
        var table = ParameterTable()
        for (j, name) in model.parameterNames.enumerated() { table.append(name, ParameterEstimate(estimate: parameters[j])) }
        return ScheduleResult(law: "schedule: " + model.name, parameters: table, kind: kind, referenceLR: referenceLR, theta: theta,
                              annealingDecay: annealingDecay, fitted: [], predictions: [], objective: .nan,
                              bootstrapResamples: 0, bootstrapSucceeded: 0, warnings: [])
    }

    public static func fit(_ curves: [ScheduleCurve], predict holdout: [ScheduleCurve] = [],
                           options: ScheduleOptions = ScheduleOptions()) throws -> ScheduleResult {
        switch options.law {
        case .multiPower: return try fit(MultiPowerLaw(), kind: .multiPower, curves, holdout, options)
        case .annealing: return try fit(AnnealingLaw(decay: options.annealingDecay), kind: .annealing, curves, holdout, options)
        }
    }

    /// The fitted law's objective and analytic gradient at θ (normalised units); for gradient checks.
    public static func objectiveAndGradient(_ curves: [ScheduleCurve], kind: ScheduleLawKind, theta: [Double],
                                            loss: RowLoss = .squared) -> (value: Double, gradient: [Double]) {
        let reference = curves.flatMap(\.schedule.lr).max() ?? 1
        func run<L: ScheduleLaw>(_ law: L) -> (Double, [Double]) {
            let o = objective(law, curves, reference: reference, loss: loss)
            var g = Array(repeating: 0.0, count: o.dimension)
            return (o.evaluate(theta, gradient: &g), g)
        }
        switch kind {
        case .multiPower: return run(MultiPowerLaw())
        case .annealing: return run(AnnealingLaw())
        }
    }

    static func objective<L: ScheduleLaw>(_ law: L, _ curves: [ScheduleCurve], reference: Double, loss: RowLoss) -> ScheduleObjective<L> {
        let prepared = curves.map { PreparedSchedule($0.schedule, referenceLR: reference) }
        var steps: [[Int]] = [], observed: [[Double]] = []
        for (k, c) in curves.enumerated() {
            let kept = c.steps.indices.filter { c.steps[$0] > prepared[k].warmup }
            steps.append(kept.map { c.steps[$0] })
            observed.append(kept.map { c.loss[$0] })
        }
        let count = steps.reduce(0) { $0 + $1.count }
        return ScheduleObjective(law: law, schedules: prepared, steps: steps, observed: observed,
                                 weights: Array(repeating: 1, count: count), loss: loss)
    }

    /// The fixed parameters in the law's fitting coordinates (rates normalised by `referenceLR`).
    /// A parameter whose fitting value depends on a free one (multi-power: A on α, C on γ) cannot
    /// be held there alone: the error names the parameter to fix with it.
    static func fixedCoordinates<L: ScheduleLaw>(_ law: L, _ fixes: [ParameterFix], referenceLR: Double) throws -> [Int: Double] {
        guard !fixes.isEmpty else { return [:] }
        let names = law.parameterNames
        let indices = fixes.map { names.firstIndex(of: $0.name)! }
        func normalised(_ placeholder: (Int) -> Double) -> [Double] {
            var p = names.indices.map(placeholder)
            for (k, fix) in zip(indices, fixes) { p[k] = fix.value }
            return law.normalisedUnits(p, referenceLR: referenceLR)
        }
        let base = normalised { _ in 1 }
        for (k, fix) in zip(indices, fixes) where !base[k].isFinite {
            throw FitError("--fix \(fix.name)=\(formatNumber(fix.value)): outside the law's domain (C, beta and gamma must be positive)")
        }
        for free in names.indices where !indices.contains(free) {
            let moved = normalised { $0 == free ? 1.5 : 1 }
            for k in indices where abs(moved[k] - base[k]) > 1e-12 * max(1, abs(base[k])) {
                throw FitError("--fix \(names[k]): its fitting value (rates normalised by the peak lr) depends on \(names[free]); fix \(names[free]) too")
            }
        }
        return Dictionary(uniqueKeysWithValues: indices.map { ($0, base[$0]) })
    }

    static func validate(_ curves: [ScheduleCurve], role: String) throws {
        for c in curves {
            guard c.steps.count == c.loss.count else { throw FitError("schedule: run \(c.runID): \(c.steps.count) steps but \(c.loss.count) losses") }
            guard !c.schedule.lr.isEmpty else { throw FitError("schedule: run \(c.runID) has an empty schedule") }
            if let bad = c.schedule.lr.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
                throw FitError("schedule: run \(c.runID) step \(bad + 1): lr = \(c.schedule.lr[bad]) is not a rate")
            }
            for (s, l) in zip(c.steps, c.loss) {
                if s < 1 || s > c.schedule.steps { throw FitError("schedule: run \(c.runID): step \(s) is outside its schedule (1…\(c.schedule.steps))") }
                if l.isNaN { throw FitError("schedule: run \(c.runID) step \(s): loss is NaN") }
                if !(l > 0) || !l.isFinite { throw FitError("schedule: run \(c.runID) step \(s): loss = \(l) is not positive") }
            }
        }
        _ = role
    }

    static func fit<L: ScheduleLaw>(_ law: L, kind: ScheduleLawKind, _ curves: [ScheduleCurve], _ holdout: [ScheduleCurve],
                                    _ options: ScheduleOptions) throws -> ScheduleResult {
        guard !curves.isEmpty else { throw FitError("schedule: no curves to fit") }
        try validate(curves, role: "fit")
        try validate(holdout, role: "predict")
        let reference = curves.flatMap(\.schedule.lr).max()!
        guard reference > 0 else { throw FitError("schedule: every learning rate is 0") }
        try ParameterFix.validate(options.fixed, names: law.parameterNames, law: kind.rawValue)
        let fixed = try fixedCoordinates(law, options.fixed, referenceLR: reference)
        let full = Self.objective(law, curves, reference: reference, loss: options.loss)
        let objective = FixedCoordinates(full, fixed: fixed)
        let dimension = objective.dimension
        guard objective.rowCount > dimension else {
            throw FitError("schedule: \(objective.rowCount) post-warmup points for \(dimension) \(fixed.isEmpty ? "" : "free ")parameters; need at least \(dimension + 1)")
        }
        let data = curves.indices.map { k in (schedule: full.schedules[k], steps: full.steps[k], loss: full.observed[k]) }
        let starts = objective.reducedStarts(law.starts(data).map { start in
            var s = start
            for (k, v) in fixed { s[k] = v }
            return s
        })
        guard !starts.isEmpty else { throw FitError("schedule: could not build starting points (degenerate curves)") }
        var warnings: [String] = []
        let decayFixed = Set(options.fixed.map(\.name)).isSuperset(of: law.decayParameterNames)
        if !decayFixed, !curves.contains(where: { c in c.schedule.lr.indices.dropFirst().contains { c.schedule.lr[$0] < c.schedule.lr[$0 - 1] } }) {
            warnings.append("no fitted curve decays its learning rate: the decay terms are not identified")
        }
        let threads = FitThreads.resolve(options.threads)
        // Short runs from every start, then the best few to convergence. For squared loss this
        // is Levenberg–Marquardt: the decay parameters are strongly correlated and L-BFGS crawls
        // along that valley; Gauss–Newton steps use the Jacobian the law computes anyway.
        let squared = options.loss == .squared
        let optimizer = options.optimizer
        typealias Reduced = FixedCoordinates<ScheduleObjective<L>>
        @Sendable func minimize(_ o: Reduced, _ start: [Double], iterations: Int?) -> (x: [Double], value: Double) {
            if squared {
                let lm = minimizeLevenbergMarquardt(o, from: start, maxIterations: iterations ?? 300)
                var g = Array(repeating: 0.0, count: o.dimension)
                return (lm.x, o.evaluate(lm.x, gradient: &g))
            }
            var lbfgs = optimizer
            if let iterations { lbfgs.maxIterations = 4 * iterations }
            let r = minimizeLBFGS(o, from: start, options: lbfgs)
            return (r.x, r.value)
        }
        let screened = parallelMap(starts.count, threads: threads) { minimize(objective, starts[$0], iterations: 15) }
        let candidates = screened.indices.filter { screened[$0].value.isFinite }
            .sorted { (screened[$0].value, $0) < (screened[$1].value, $1) }.prefix(3).map { screened[$0].x }
        guard !candidates.isEmpty else { throw FitError("schedule: no start reached a finite objective") }
        let polished = parallelMap(candidates.count, threads: threads) { minimize(objective, candidates[$0], iterations: nil) }
        guard let bestIndex = polished.indices.filter({ polished[$0].value.isFinite }).min(by: { polished[$0].value < polished[$1].value }) else {
            throw FitError("schedule: no start reached a finite objective")
        }
        let best = polished[bestIndex].x
        let theta = objective.expand(best)
        if let note = law.identificationWarning(theta) { warnings.append(note) }
        let refits: [[Double]?] = runBootstrap(options.bootstrap, threads: threads) { _, rng in
            let refit = minimize(objective.reweighted(resampleCounts(objective.rowCount, &rng)), best, iterations: 100)
            return refit.value.isFinite ? objective.expand(refit.x) : nil
        }
        let failed = refits.filter { $0 == nil }.count
        let point = law.originalUnits(theta, referenceLR: reference)
        let samples = refits.compactMap { $0 }.map { law.originalUnits($0, referenceLR: reference) }
        var table = ParameterTable()
        for (j, name) in law.parameterNames.enumerated() {
            table.append(name, ParameterEstimate(point[j], samples: samples.map { $0[j] }))
        }
        table.markFixed(options.fixed)
        if failed > 0 { warnings.append("\(failed) bootstrap refits failed and were dropped") }
        var result = ScheduleResult(law: "schedule: " + law.name, parameters: table, kind: kind, referenceLR: reference,
                                    theta: theta, annealingDecay: options.annealingDecay, fitted: [], predictions: [],
                                    objective: polished[bestIndex].value,
                                    bootstrapResamples: options.bootstrap.resamples, bootstrapSucceeded: samples.count,
                                    warnings: warnings)
        result.fitted = result.compare(curves)
        result.predictions = result.compare(holdout)
        return result
    }
}
