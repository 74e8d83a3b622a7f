import Foundation

/// A law for the loss curve of one model under an arbitrary learning-rate schedule. Laws work in
/// normalised units (rates divided by a reference rate) and convert to the paper's units for
/// reporting. Linear parameters are solved by least squares when building starts, so only the
/// nonlinear ones need a grid.
public protocol ScheduleLaw: Sendable {
    var name: String { get }
    /// Names in the order of θ.
    var parameterNames: [String] { get }
    /// Predicted losses after the given 1-based absolute steps (ascending) into `values`, and
    /// ∂/∂θ into `jacobian` (row-major, steps.count × parameterNames.count) when given.
    func predict(_ theta: [Double], _ schedule: PreparedSchedule, steps: [Int],
                 values: UnsafeMutableBufferPointer<Double>, jacobian: UnsafeMutableBufferPointer<Double>?)
    /// Starting points for the fit.
    func starts(_ data: [(schedule: PreparedSchedule, steps: [Int], loss: [Double])]) -> [[Double]]
    /// θ in normalised units → parameters in the paper's units for rates in `referenceLR` units.
    func originalUnits(_ theta: [Double], referenceLR: Double) -> [Double]
    /// The inverse of `originalUnits`.
    func normalisedUnits(_ parameters: [Double], referenceLR: Double) -> [Double]
    /// Per-coordinate scales for perturbed bootstrap starts.
    var jitter: [Double] { get }
    /// A warning when the fitted θ sits where the curves cannot pin the law down.
    func identificationWarning(_ theta: [Double]) -> String?
    /// The parameters of the response to a rate decay: only curves that decay identify them,
    /// unless they are fixed (`--fix`, e.g. from another size's fit).
    var decayParameterNames: [String] { get }
}

extension ScheduleLaw {
    public func identificationWarning(_ theta: [Double]) -> String? { nil }
}

/// The multi-power law of Luo et al. (2025), "A Multi-Power Law for Loss Curve Prediction Across
/// Learning Rate Schedules" (arXiv:2503.12811, ICLR 2025), Eq. (1)/(6) and their reference code:
///
///     L(t) = L0 + A·(S1(t) + S_W)^(−α) − LD(t)
///     LD(t) = B · Σ_{k=1..t} (η_{k−1} − η_k) · G(η_k^(−γ) · S_k(t)),   G(x) = 1 − (C·x + 1)^(−β)
///     S1(t) = Σ_{τ=1..t} η_τ,   S_k(t) = Σ_{τ=k..t} η_τ,   S_W = Σ of the warmup rates
///
/// with steps counted after warmup (η_0 = the peak rate). Parameters L0, A, α, B, C, β, γ.
/// θ = (L0, A', α, B', log C', log β, log γ) in rates normalised by the reference rate η_r (C, β,
/// γ > 0 by construction: without that bound noisy data can drive the fit to a degenerate
/// instant-drop solution with γ < 0); reported in the paper's units: A = A'·η_r^α, B = B'/η_r,
/// C = C'·η_r^(γ−1). Where η_k = 0 (decay to zero), G takes its limit: 1 while a later rate is
/// positive, and on the zero-rate tail 0 for γ < 1 (1 for γ > 1). Steps inside warmup are
/// predicted as L0 + A·(Σ_{τ≤t} η_τ)^(−α).
public struct MultiPowerLaw: ScheduleLaw {
    public init() {}
    public var name: String { "multi-power (Luo et al. 2025)" }
    public var parameterNames: [String] { ["L0", "A", "alpha", "B", "C", "beta", "gamma"] }
    public var decayParameterNames: [String] { ["B", "C", "beta", "gamma"] }
    public var jitter: [Double] { [0.01, 0.05, 0.02, 0.05, 0.1, 0.02, 0.02] }

    /// C, β, γ shape the delayed response to a rate drop; a smooth decay alone (cosine) barely
    /// constrains them, and noise then pushes them to extremes.
    public func identificationWarning(_ t: [Double]) -> String? {
        let beta = Foundation.exp(t[5]), gamma = Foundation.exp(t[6])
        guard abs(t[4]) > 12 || beta < 0.01 || beta > 10 || gamma < 0.01 || gamma > 5 else { return nil }
        return "the decay-response parameters are poorly determined (C·η_r^(1−γ) = \(formatNumber(Foundation.exp(t[4]))), β = \(formatNumber(beta)), γ = \(formatNumber(gamma))): add a curve with a sharp rate drop (step or WSD decay) to the fitted set"
    }

    public func predict(_ t: [Double], _ s: PreparedSchedule, steps: [Int],
                        values: UnsafeMutableBufferPointer<Double>, jacobian: UnsafeMutableBufferPointer<Double>?) {
        let l0 = t[0], a = t[1], alpha = t[2], b = t[3], c = Foundation.exp(t[4])
        let beta = Foundation.exp(t[5]), gamma = Foundation.exp(t[6])
        let dropCount = s.dropStep.count
        // η_k^(−γ) depends on k only: once per call, not once per (step, k).
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(dropCount, 1)) { scaled in
            for i in 0..<dropCount {
                scaled[i] = s.logEta[i] == -Double.infinity ? .infinity : Foundation.exp(-gamma * s.logEta[i])
            }
            s.dropStep.withUnsafeBufferPointer { ks in
            s.drop.withUnsafeBufferPointer { drops in
            s.logEta.withUnsafeBufferPointer { logs in
            s.prefix.withUnsafeBufferPointer { prefix in
                for (row, step) in steps.enumerated() {
                    let inWarmup = step <= s.warmup
                    let area = inWarmup ? prefix[step] : prefix[step] - prefix[s.warmup] + s.warmupSum
                    let logArea = Foundation.log(area)
                    let u = Foundation.exp(-alpha * logArea)
                    var sumG = 0.0, sumC = 0.0, sumBeta = 0.0, sumGamma = 0.0
                    if !inWarmup {
                        let end = prefix[step]
                        for i in 0..<dropCount {
                            let k = ks[i]
                            if k > step { break }
                            let d = drops[i]
                            let eta = scaled[i]
                            let area = end - prefix[k - 1]  // S_k(t)
                            if eta == .infinity {
                                // η_k = 0: x = η_k^(−γ)·S_k(t) → ∞ (G = 1) while a later rate is
                                // positive; on a run's zero-rate tail S_k(t) vanishes with η_k and
                                // x → η^(1−γ): 0 for γ < 1, ∞ for γ > 1 (decay to zero must not
                                // add a sudden drop at its last step).
                                if area > 0 || gamma > 1 { sumG += d } else if gamma == 1 { sumG += d * (1 - Foundation.pow(1 + c, -beta)) }
                                continue
                            }
                            let x = eta * area
                            let onePlus = 1 + c * x
                            let logOnePlus = Foundation.log(onePlus)
                            let p = Foundation.exp(-beta * logOnePlus)
                            sumG += d * (1 - p)
                            let common = d * beta * p * c * x / onePlus
                            sumC += common                  // ∂G/∂log C
                            sumBeta += d * p * logOnePlus   // ∂G/∂β
                            sumGamma -= common * logs[i]    // ∂G/∂γ
                        }
                    }
                    values[row] = l0 + a * u - b * sumG
                    if let jacobian {
                        let base = row * 7
                        jacobian[base] = 1
                        jacobian[base + 1] = u
                        jacobian[base + 2] = -a * u * logArea
                        jacobian[base + 3] = -sumG
                        jacobian[base + 4] = -b * sumC
                        jacobian[base + 5] = -b * sumBeta * beta
                        jacobian[base + 6] = -b * sumGamma * gamma
                    }
                }
            }}}}
        }
    }

    public func starts(_ data: [(schedule: PreparedSchedule, steps: [Int], loss: [Double])]) -> [[Double]] {
        var starts: [[Double]] = []
        for alpha in [0.35, 0.7] {
            for logC in [Foundation.log(0.1), 0.0, Foundation.log(10.0)] {
                for beta in [0.4, 0.8] {
                    for gamma in [0.4, 0.8] {
                        // With the nonlinear parameters fixed, L0, A, B enter linearly.
                        let probe = [0, 1, alpha, 1, logC, Foundation.log(beta), Foundation.log(gamma)]
                        if let linear = linearSolve(data, probe: probe, law: self, columns: [0, 1, 3]) {
                            starts.append([linear[0], linear[1], alpha, linear[2], logC, Foundation.log(beta), Foundation.log(gamma)])
                        }
                    }
                }
            }
        }
        return starts
    }

    public func originalUnits(_ t: [Double], referenceLR r: Double) -> [Double] {
        let gamma = Foundation.exp(t[6])
        return [t[0], t[1] * pow(r, t[2]), t[2], t[3] / r, Foundation.exp(t[4]) * pow(r, gamma - 1), Foundation.exp(t[5]), gamma]
    }

    public func normalisedUnits(_ p: [Double], referenceLR r: Double) -> [Double] {
        [p[0], p[1] / pow(r, p[2]), p[2], p[3] * r, Foundation.log(p[4] / pow(r, p[6] - 1)), Foundation.log(p[5]), Foundation.log(p[6])]
    }
}

/// The learning-rate annealing law of Tissue et al. (2024), "Scaling Law with Learning Rate
/// Annealing" (arXiv:2408.11029):
///
///     L(s) = L0 + A·S1^(−α) − C·S2,   S1 = Σ_{i≤s} η_i (warmup included),
///     S2 = Σ_{i≤s} m_i,   m_i = λ·m_{i−1} + (η_{i−1} − η_i)   (after warmup; λ fixed, 0.999)
///
/// Parameters L0, A, α, C; θ = (L0, A', α, C') in normalised rates: A = A'·η_r^α, C = C'/η_r.
public struct AnnealingLaw: ScheduleLaw {
    public var decay: Double
    public init(decay: Double = 0.999) { self.decay = decay }
    public var name: String { "annealing (Tissue et al. 2024, λ=\(decay))" }
    public var parameterNames: [String] { ["L0", "A", "alpha", "C"] }
    public var decayParameterNames: [String] { ["C"] }
    public var jitter: [Double] { [0.01, 0.05, 0.02, 0.05] }

    public func predict(_ t: [Double], _ s: PreparedSchedule, steps: [Int],
                        values: UnsafeMutableBufferPointer<Double>, jacobian: UnsafeMutableBufferPointer<Double>?) {
        // S2 by one pass over the steps, read off at the requested ones.
        var m = 0.0, area = 0.0
        var previous = s.warmup > 0 ? s.eta[s.warmup - 1] : (s.eta.first ?? 0)
        var next = s.warmup + 1
        for (row, step) in steps.enumerated() {
            while next <= step {
                let current = s.eta[next - 1]
                m = decay * m + (previous - current)
                area += m
                previous = current
                next += 1
            }
            let s2 = step <= s.warmup ? 0 : area
            let logS1 = Foundation.log(s.prefix[step])
            let u = Foundation.exp(-t[2] * logS1)
            values[row] = t[0] + t[1] * u - t[3] * s2
            if let jacobian {
                let base = row * 4
                jacobian[base] = 1; jacobian[base + 1] = u; jacobian[base + 2] = -t[1] * u * logS1; jacobian[base + 3] = -s2
            }
        }
    }

    public func starts(_ data: [(schedule: PreparedSchedule, steps: [Int], loss: [Double])]) -> [[Double]] {
        [0.2, 0.4, 0.6, 0.8, 1.0].compactMap { alpha in
            linearSolve(data, probe: [0, 1, alpha, 1], law: self, columns: [0, 1, 3]).map { [$0[0], $0[1], alpha, $0[2]] }
        }
    }

    public func originalUnits(_ t: [Double], referenceLR r: Double) -> [Double] {
        [t[0], t[1] * pow(r, t[2]), t[2], t[3] / r]
    }

    public func normalisedUnits(_ p: [Double], referenceLR r: Double) -> [Double] {
        [p[0], p[1] / pow(r, p[2]), p[2], p[3] * r]
    }
}

/// Least squares for the parameters of θ listed in `columns`, which the law must be linear in,
/// with the others held at `probe`: the design columns are the law's partial derivatives.
/// Columns that are all zero (e.g. no rate decay in the data) get coefficient 0.
func linearSolve<L: ScheduleLaw>(_ data: [(schedule: PreparedSchedule, steps: [Int], loss: [Double])],
                                 probe: [Double], law: L, columns: [Int]) -> [Double]? {
    var design: [[Double]] = [], y: [Double] = []
    let p = probe.count
    for curve in data {
        var values = Array(repeating: 0.0, count: curve.steps.count)
        var jacobian = Array(repeating: 0.0, count: curve.steps.count * p)
        values.withUnsafeMutableBufferPointer { v in
            jacobian.withUnsafeMutableBufferPointer { j in law.predict(probe, curve.schedule, steps: curve.steps, values: v, jacobian: j) }
        }
        for row in curve.steps.indices {
            design.append(columns.map { jacobian[row * p + $0] })
            y.append(curve.loss[row])
        }
    }
    let active = columns.indices.filter { j in design.contains { $0[j] != 0 } }
    guard !active.isEmpty, let solved = Stats.leastSquares(design: design.map { row in active.map { row[$0] } }, y: y) else { return nil }
    var result = Array(repeating: 0.0, count: columns.count)
    for (k, j) in active.enumerated() { result[j] = solved[k] }
    return result
}
