import Foundation

/// A weighted least-squares problem: residuals rᵢ(θ) and their Jacobian.
public protocol LeastSquaresProblem {
    var dimension: Int { get }
    /// Residuals (prediction − observation) and, when asked, the Jacobian (row-major,
    /// residuals × dimension; empty otherwise); nil where the model is not finite.
    func residuals(_ theta: [Double], jacobian: Bool) -> (r: [Double], jacobian: [Double])?
    /// Per-residual weights (bootstrap counts).
    var residualWeights: [Double] { get }
}

public struct LevenbergMarquardtResult: Sendable {
    public var x: [Double]
    /// ½ Σ wᵢ rᵢ².
    public var cost: Double
    public var iterations: Int
}

/// Levenberg–Marquardt (Marquardt's diagonal scaling). Used to polish least-squares fits whose
/// parameters are strongly correlated (the multi-power law's B, C, β, γ), where L-BFGS crawls
/// along the valley: Gauss–Newton steps use the Jacobian the law already computes.
public func minimizeLevenbergMarquardt<P: LeastSquaresProblem>(_ problem: P, from start: [Double],
                                                               maxIterations: Int = 300) -> LevenbergMarquardtResult {
    let n = problem.dimension
    let w = problem.residualWeights
    func cost(_ r: [Double]) -> Double {
        var c = 0.0
        for i in r.indices { c += 0.5 * w[i] * r[i] * r[i] }
        return c
    }
    var x = start
    guard var current = problem.residuals(x, jacobian: true) else { return LevenbergMarquardtResult(x: x, cost: .infinity, iterations: 0) }
    var f = cost(current.r)
    var lambda = 1e-3
    var iteration = 0
    while iteration < maxIterations {
        iteration += 1
        var a = Array(repeating: 0.0, count: n * n), g = Array(repeating: 0.0, count: n)
        for i in current.r.indices where w[i] > 0 {
            let base = i * n
            for j in 0..<n {
                let wj = w[i] * current.jacobian[base + j]
                g[j] += wj * current.r[i]
                for k in j..<n { a[j * n + k] += wj * current.jacobian[base + k] }
            }
        }
        for j in 0..<n { for k in 0..<j { a[j * n + k] = a[k * n + j] } }
        var improved = false
        while lambda < 1e16 {
            // Solve in Jacobi-scaled coordinates: the columns of J differ by orders of magnitude.
            let scale = (0..<n).map { 1 / max(a[$0 * n + $0], 1e-300).squareRoot() }
            var damped = a
            for j in 0..<n { for k in 0..<n { damped[j * n + k] *= scale[j] * scale[k] } }
            for j in 0..<n { damped[j * n + j] += lambda }
            guard let scaledStep = Stats.solve(damped, (0..<n).map { -g[$0] * scale[$0] }) else { lambda *= 4; continue }
            let step = (0..<n).map { scaledStep[$0] * scale[$0] }
            let trial = zip(x, step).map { $0 + $1 }
            if let next = problem.residuals(trial, jacobian: false), case let fNext = cost(next.r), fNext.isFinite, fNext < f,
               let withJacobian = problem.residuals(trial, jacobian: true) {
                let decrease = f - fNext
                let stepSize = infNorm(step)
                x = trial; current = withJacobian; f = fNext
                lambda = max(lambda / 3, 1e-12)
                improved = true
                if decrease <= 1e-12 * f || stepSize <= 1e-13 * (1 + infNorm(x)) { return LevenbergMarquardtResult(x: x, cost: f, iterations: iteration) }
                break
            }
            lambda *= 4
        }
        if !improved { break }
    }
    return LevenbergMarquardtResult(x: x, cost: f, iterations: iteration)
}
