import Foundation

/// A smooth objective with an analytic gradient.
public protocol DifferentiableObjective {
    var dimension: Int { get }
    /// Returns f(x) and writes ∇f(x) into `gradient` (already sized `dimension`). May return a
    /// non-finite value where the model overflows; the line search then steps back.
    func evaluate(_ x: [Double], gradient: inout [Double]) -> Double
}

/// Stopping rules. The tolerances are absolute or relative to f itself, never to max(|f|, 1):
/// objectives here are often ~1e-3 in size, and a max(|f|, 1) rule stops them at the start
/// (the failure blamed for the original Chinchilla estimates).
public struct LBFGSOptions: Sendable, Equatable {
    public var memory = 10
    public var maxIterations = 2000
    public var maxEvaluations = 10000
    /// Stop when ‖∇f‖∞ ≤ this. Objectives here are normalised to O(1) (see
    /// `LogSumExpObjective`), so an absolute gradient tolerance means the same on every data set.
    public var gradientTolerance = 1e-8
    /// Stop when f_k − f_{k+1} ≤ this · |f_k| on `stallIterations` consecutive iterations.
    public var relativeFunctionTolerance = 1e-10
    public var stallIterations = 2
    /// Stop when ‖x_{k+1} − x_k‖∞ ≤ this · (1 + ‖x_k‖∞).
    public var stepTolerance = 1e-15
    /// Strong-Wolfe constants.
    public var sufficientDecrease = 1e-4
    public var curvature = 0.9
    public var maxLineSearchEvaluations = 40

    public init() {}
}

public enum LBFGSTermination: String, Sendable, Codable {
    case gradient, functionChange, step, maxIterations, maxEvaluations, lineSearchFailed, nonFiniteStart
}

public struct LBFGSResult: Sendable {
    public var x: [Double]
    public var value: Double
    public var gradientNorm: Double
    public var iterations: Int
    public var evaluations: Int
    public var termination: LBFGSTermination
}

/// Limited-memory BFGS (Nocedal & Wright, Alg. 7.4–7.5) with a strong-Wolfe line search
/// (Alg. 3.5–3.6, cubic interpolation in the zoom phase). Unconstrained: laws that need bounds
/// reparametrise (log of a positive parameter, log-sum-exp forms).
public func minimizeLBFGS<O: DifferentiableObjective>(
    _ objective: O, from start: [Double], options: LBFGSOptions = LBFGSOptions()
) -> LBFGSResult {
    var solver = LBFGSSolver(objective: objective, options: options)
    return solver.run(from: start)
}

private struct LinePoint {
    var alpha: Double
    var value: Double
    var slope: Double
    var x: [Double]
    var gradient: [Double]
}

private struct LBFGSSolver<O: DifferentiableObjective> {
    let objective: O
    let options: LBFGSOptions
    var evaluations = 0

    init(objective: O, options: LBFGSOptions) {
        self.objective = objective
        self.options = options
    }

    mutating func evaluate(_ x: [Double], _ gradient: inout [Double]) -> Double {
        evaluations += 1
        let f = objective.evaluate(x, gradient: &gradient)
        if !f.isFinite { return .infinity }
        for g in gradient where !g.isFinite { return .infinity }
        return f
    }

    mutating func run(from start: [Double]) -> LBFGSResult {
        let n = objective.dimension
        precondition(start.count == n, "start has \(start.count) values, objective needs \(n)")
        var x = start
        var g = Array(repeating: 0.0, count: n)
        var f = evaluate(x, &g)
        guard f.isFinite else {
            return LBFGSResult(x: x, value: f, gradientNorm: .nan, iterations: 0,
                               evaluations: evaluations, termination: .nonFiniteStart)
        }
        var sHistory: [[Double]] = []
        var yHistory: [[Double]] = []
        var rhoHistory: [Double] = []
        var iteration = 0
        var stalls = 0
        var retriedSteepest = false
        var termination = LBFGSTermination.maxIterations

        while iteration < options.maxIterations {
            let gNorm = infNorm(g)
            if gNorm <= options.gradientTolerance { termination = .gradient; break }
            if evaluations >= options.maxEvaluations { termination = .maxEvaluations; break }

            var d = direction(g, sHistory, yHistory, rhoHistory)
            var slope = dot(g, d)
            if !(slope < 0) {
                // Not a descent direction (curvature information went bad): restart.
                sHistory.removeAll(); yHistory.removeAll(); rhoHistory.removeAll()
                d = g.map { -$0 }
                slope = dot(g, d)
            }
            let initialStep = sHistory.isEmpty ? min(1, 1 / max(l2Norm(g), 1e-300)) : 1
            guard let next = lineSearch(x: x, f: f, slope0: slope, d: d, initialStep: initialStep) else {
                if !sHistory.isEmpty && !retriedSteepest {
                    sHistory.removeAll(); yHistory.removeAll(); rhoHistory.removeAll()
                    retriedSteepest = true
                    continue
                }
                termination = .lineSearchFailed
                break
            }
            retriedSteepest = false
            iteration += 1
            var s = Array(repeating: 0.0, count: n)
            var y = Array(repeating: 0.0, count: n)
            for i in 0..<n {
                s[i] = next.x[i] - x[i]
                y[i] = next.gradient[i] - g[i]
            }
            let decrease = f - next.value
            let stepSize = infNorm(s)
            let xScale = 1 + infNorm(x)
            x = next.x; g = next.gradient; f = next.value

            let sy = dot(s, y)
            if sy > 1e-12 * dot(y, y) && sy > 0 {
                sHistory.append(s); yHistory.append(y); rhoHistory.append(1 / sy)
                if sHistory.count > options.memory {
                    sHistory.removeFirst(); yHistory.removeFirst(); rhoHistory.removeFirst()
                }
            }
            if stepSize <= options.stepTolerance * xScale { termination = .step; break }
            if decrease <= options.relativeFunctionTolerance * abs(f + decrease) {
                stalls += 1
                if stalls >= options.stallIterations { termination = .functionChange; break }
            } else {
                stalls = 0
            }
        }
        return LBFGSResult(x: x, value: f, gradientNorm: infNorm(g), iterations: iteration,
                           evaluations: evaluations, termination: termination)
    }

    /// Two-loop recursion: d = −H·g with H0 = (sᵀy / yᵀy)·I from the newest pair.
    func direction(_ g: [Double], _ s: [[Double]], _ y: [[Double]], _ rho: [Double]) -> [Double] {
        var q = g
        let m = s.count
        var alphas = Array(repeating: 0.0, count: m)
        for i in stride(from: m - 1, through: 0, by: -1) {
            let a = rho[i] * dot(s[i], q)
            alphas[i] = a
            for k in q.indices { q[k] -= a * y[i][k] }
        }
        if m > 0 {
            let gamma = dot(s[m - 1], y[m - 1]) / dot(y[m - 1], y[m - 1])
            for k in q.indices { q[k] *= gamma }
        }
        for i in 0..<m {
            let b = rho[i] * dot(y[i], q)
            for k in q.indices { q[k] += s[i][k] * (alphas[i] - b) }
        }
        return q.map { -$0 }
    }

    mutating func probe(_ x: [Double], _ d: [Double], _ alpha: Double) -> LinePoint {
        var point = x
        for i in point.indices { point[i] += alpha * d[i] }
        var gradient = Array(repeating: 0.0, count: x.count)
        let value = evaluate(point, &gradient)
        let slope = value.isFinite ? dot(gradient, d) : .nan
        return LinePoint(alpha: alpha, value: value, slope: slope, x: point, gradient: gradient)
    }

    /// Strong-Wolfe line search. Returns nil when no point with sufficient decrease was found.
    mutating func lineSearch(x: [Double], f: Double, slope0: Double, d: [Double],
                             initialStep: Double) -> LinePoint? {
        let c1 = options.sufficientDecrease, c2 = options.curvature
        var previous = LinePoint(alpha: 0, value: f, slope: slope0, x: x, gradient: [])
        var alpha = initialStep
        var budget = options.maxLineSearchEvaluations
        var first = true
        while budget > 0 {
            budget -= 1
            let current = probe(x, d, alpha)
            if !current.value.isFinite || current.value > f + c1 * alpha * slope0
                || (!first && current.value >= previous.value)
            {
                return zoom(x: x, f: f, slope0: slope0, d: d, lo: previous, hi: current, budget: budget)
            }
            if abs(current.slope) <= -c2 * slope0 { return current }
            if current.slope >= 0 {
                return zoom(x: x, f: f, slope0: slope0, d: d, lo: current, hi: previous, budget: budget)
            }
            previous = current
            first = false
            alpha *= 4
            if alpha > 1e20 { return current }
        }
        return previous.alpha > 0 ? previous : nil
    }

    mutating func zoom(x: [Double], f: Double, slope0: Double, d: [Double],
                       lo loStart: LinePoint, hi hiStart: LinePoint, budget: Int) -> LinePoint? {
        let c1 = options.sufficientDecrease, c2 = options.curvature
        var lo = loStart, hi = hiStart
        var budget = budget
        while budget > 0 {
            budget -= 1
            let width = hi.alpha - lo.alpha
            if abs(width) <= 1e-16 * max(abs(lo.alpha), 1e-300) { break }
            var alpha = lo.alpha + 0.5 * width
            if hi.value.isFinite, let cubic = cubicMinimizer(lo, hi) {
                let margin = 0.1 * abs(width)
                let lower = min(lo.alpha, hi.alpha) + margin
                let upper = max(lo.alpha, hi.alpha) - margin
                if cubic >= lower && cubic <= upper { alpha = cubic }
            }
            let trial = probe(x, d, alpha)
            if !trial.value.isFinite || trial.value > f + c1 * alpha * slope0 || trial.value >= lo.value {
                hi = trial
            } else {
                if abs(trial.slope) <= -c2 * slope0 { return trial }
                if trial.slope * (hi.alpha - lo.alpha) >= 0 { hi = lo }
                lo = trial
            }
        }
        // Out of budget or interval: settle for the best point with sufficient decrease.
        return lo.alpha > 0 ? lo : nil
    }

    func cubicMinimizer(_ a: LinePoint, _ b: LinePoint) -> Double? {
        let d1 = a.slope + b.slope - 3 * (a.value - b.value) / (a.alpha - b.alpha)
        let radicand = d1 * d1 - a.slope * b.slope
        guard radicand >= 0 else { return nil }
        let d2 = (b.alpha > a.alpha ? 1.0 : -1.0) * radicand.squareRoot()
        let denominator = b.slope - a.slope + 2 * d2
        guard denominator != 0 else { return nil }
        let alpha = b.alpha - (b.alpha - a.alpha) * (b.slope + d2 - d1) / denominator
        return alpha.isFinite ? alpha : nil
    }
}

@inline(__always) func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}

@inline(__always) func infNorm(_ a: [Double]) -> Double {
    var m = 0.0
    for v in a { m = max(m, abs(v)) }
    return m
}

@inline(__always) func l2Norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
