import Foundation

/// One additive term of a log-sum-exp law: exp(θ[coefficient] − θ[exponent]·xᵢ), or exp(θ[coefficient])
/// when it has no exponent (a constant such as the irreducible loss E = eᵉ).
public struct LogSumExpTerm: Sendable, Equatable {
    public var coefficient: Int
    public var exponent: Int?
    /// The per-row feature xᵢ (a log of N, D, …); ignored without an exponent.
    public var feature: [Double]

    public init(coefficient: Int, exponent: Int?, feature: [Double]) {
        self.coefficient = coefficient
        self.exponent = exponent
        self.feature = feature
    }
}

/// Σᵢ wᵢ ρ(LSE_k(θ[c_k] − θ[e_k]·x_{ik}) − yᵢ) / scale: the Chinchilla-style objective of
/// Hoffmann et al. / Besiroglu et al. (y = log loss), generalised to any number of terms so the
/// shared-exponent, power-law-with-offset and MoE forms share one implementation. Sums of
/// positive terms in log space keep A, B, E > 0 without bounds.
///
/// `scale` only rescales the value the optimiser sees (to O(1), so tolerances mean the same for
/// every data set); `rawValue` undoes it.
public struct LogSumExpObjective: DifferentiableObjective, Sendable {
    public let dimension: Int
    /// Terms with an exponent: count, row-major features [row * count + term], θ indices.
    let variableCount: Int
    let features: [Double]
    let variableCoefficient: [Int]
    let variableExponent: [Int]
    /// θ indices of the constant terms (no exponent).
    let constantCoefficient: [Int]
    let target: [Double]
    let weights: [Double]
    let loss: RowLoss
    let scale: Double

    public init(dimension: Int, terms: [LogSumExpTerm], target: [Double], weights: [Double]? = nil,
                loss: RowLoss) {
        let rows = target.count
        let variable = terms.filter { $0.exponent != nil }
        self.dimension = dimension
        self.variableCount = variable.count
        var features = Array(repeating: 0.0, count: rows * variable.count)
        for (k, term) in variable.enumerated() {
            precondition(term.feature.count == rows, "term \(k) has \(term.feature.count) features for \(rows) rows")
            for i in 0..<rows { features[i * variable.count + k] = term.feature[i] }
        }
        self.features = features
        self.variableCoefficient = variable.map(\.coefficient)
        self.variableExponent = variable.map { $0.exponent! }
        self.constantCoefficient = terms.filter { $0.exponent == nil }.map(\.coefficient)
        self.target = target
        let w = weights ?? Array(repeating: 1, count: rows)
        self.weights = w
        self.loss = loss
        let totalWeight = w.reduce(0, +)
        switch loss {
        case .huber(let delta): scale = delta * max(totalWeight, 1)
        case .squared: scale = max(totalWeight, 1)
        }
    }

    private init(copying o: LogSumExpObjective, keep: [Int], weights: [Double]) {
        dimension = o.dimension
        variableCount = o.variableCount
        var features: [Double] = []
        features.reserveCapacity(keep.count * o.variableCount)
        for i in keep { for k in 0..<o.variableCount { features.append(o.features[i * o.variableCount + k]) } }
        self.features = features
        variableCoefficient = o.variableCoefficient
        variableExponent = o.variableExponent
        constantCoefficient = o.constantCoefficient
        target = keep.map { o.target[$0] }
        self.weights = weights
        loss = o.loss
        let totalWeight = weights.reduce(0, +)
        switch loss {
        case .huber(let delta): scale = delta * max(totalWeight, 1)
        case .squared: scale = max(totalWeight, 1)
        }
    }

    /// The same law on reweighted rows (bootstrap counts); rows of weight 0 are dropped.
    public func reweighted(_ counts: [Double]) -> LogSumExpObjective {
        var keep: [Int] = []
        for i in counts.indices where counts[i] > 0 { keep.append(i) }
        return LogSumExpObjective(copying: self, keep: keep, weights: keep.map { counts[$0] * weights[$0] })
    }

    public var rowCount: Int { target.count }

    /// The unscaled objective Σ wᵢ ρ(rᵢ).
    public func rawValue(_ theta: [Double]) -> Double {
        var g = Array(repeating: 0.0, count: dimension)
        return evaluate(theta, gradient: &g) * scale
    }

    /// log of the predicted value for row i.
    public func logPrediction(_ theta: [Double], row i: Int) -> Double {
        var u = constantCoefficient.map { theta[$0] }
        for k in 0..<variableCount {
            u.append(theta[variableCoefficient[k]] - theta[variableExponent[k]] * features[i * variableCount + k])
        }
        let m = u.max() ?? 0
        return m + Foundation.log(u.reduce(0) { $0 + Foundation.exp($1 - m) })
    }

    public func evaluate(_ theta: [Double], gradient: inout [Double]) -> Double {
        if variableCount == 2 && constantCoefficient.count == 1 { return evaluateChinchillaForm(theta, gradient: &gradient) }
        let n = target.count, kCount = variableCount
        for j in 0..<dimension { gradient[j] = 0 }
        var constantSum = 0.0
        var constantMax = -Double.infinity
        for c in constantCoefficient {
            constantSum += Foundation.exp(theta[c])
            constantMax = max(constantMax, theta[c])
        }
        var total = 0.0
        var constantShare = 0.0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 5 * max(kCount, 1)) { buffer in
            let base = buffer.baseAddress!
            let coefficient = base, exponent = base + kCount, p = base + 2 * kCount
            let coefficientGradient = base + 3 * kCount, exponentGradient = base + 4 * kCount
            for k in 0..<kCount {
                coefficient[k] = theta[variableCoefficient[k]]
                exponent[k] = theta[variableExponent[k]]
                coefficientGradient[k] = 0
                exponentGradient[k] = 0
            }
            features.withUnsafeBufferPointer { x in
                target.withUnsafeBufferPointer { y in
                    weights.withUnsafeBufferPointer { w in
                        for i in 0..<n {
                            let row = i * kCount
                            // The unshifted sum is cheap; fall back to the max-shifted form only
                            // when it over- or underflows.
                            var s = constantSum
                            for k in 0..<kCount {
                                let v = Foundation.exp(coefficient[k] - exponent[k] * x[row + k])
                                p[k] = v
                                s += v
                            }
                            var logS: Double
                            var constantFactor = 1.0
                            if s > 0 && s < .infinity {
                                logS = Foundation.log(s)
                            } else {
                                var m = constantMax
                                for k in 0..<kCount { m = max(m, coefficient[k] - exponent[k] * x[row + k]) }
                                s = 0
                                for c in constantCoefficient { s += Foundation.exp(theta[c] - m) }
                                constantFactor = constantSum > 0 ? s / constantSum : 0
                                for k in 0..<kCount {
                                    let v = Foundation.exp(coefficient[k] - exponent[k] * x[row + k] - m)
                                    p[k] = v
                                    s += v
                                }
                                logS = m + Foundation.log(s)
                            }
                            let r = logS - y[i]
                            total += w[i] * loss.value(r)
                            let psi = w[i] * loss.derivative(r) / s
                            constantShare += psi * constantFactor
                            for k in 0..<kCount {
                                let share = psi * p[k]
                                coefficientGradient[k] += share
                                exponentGradient[k] -= share * x[row + k]
                            }
                        }
                    }
                }
            }
            for k in 0..<kCount {
                gradient[variableCoefficient[k]] += coefficientGradient[k]
                gradient[variableExponent[k]] += exponentGradient[k]
            }
        }
        for c in constantCoefficient { gradient[c] += constantShare * Foundation.exp(theta[c]) }
        let inverse = 1 / scale
        for j in 0..<dimension { gradient[j] *= inverse }
        return total * inverse
    }

    /// The hot case (Chinchilla: two power terms and a constant) unrolled; same arithmetic as the
    /// general loop, about a quarter faster, which matters for 4,500 starts and 4,000 refits.
    private func evaluateChinchillaForm(_ theta: [Double], gradient: inout [Double]) -> Double {
        for j in 0..<dimension { gradient[j] = 0 }
        let c0 = theta[variableCoefficient[0]], e0 = theta[variableExponent[0]]
        let c1 = theta[variableCoefficient[1]], e1 = theta[variableExponent[1]]
        let constantIndex = constantCoefficient[0]
        let constant = Foundation.exp(theta[constantIndex])
        var total = 0.0, gc0 = 0.0, ge0 = 0.0, gc1 = 0.0, ge1 = 0.0, gConstant = 0.0
        features.withUnsafeBufferPointer { x in
            target.withUnsafeBufferPointer { y in
                weights.withUnsafeBufferPointer { w in
                    for i in 0..<y.count {
                        let x0 = x[2 * i], x1 = x[2 * i + 1]
                        var p0 = Foundation.exp(c0 - e0 * x0), p1 = Foundation.exp(c1 - e1 * x1)
                        var pConstant = constant
                        var s = p0 + p1 + pConstant
                        var logS: Double
                        if s > 0 && s < .infinity {
                            logS = Foundation.log(s)
                        } else {
                            let u0 = c0 - e0 * x0, u1 = c1 - e1 * x1, u2 = theta[constantIndex]
                            let m = max(u0, max(u1, u2))
                            p0 = Foundation.exp(u0 - m); p1 = Foundation.exp(u1 - m); pConstant = Foundation.exp(u2 - m)
                            s = p0 + p1 + pConstant
                            logS = m + Foundation.log(s)
                        }
                        let r = logS - y[i]
                        total += w[i] * loss.value(r)
                        let psi = w[i] * loss.derivative(r) / s
                        gc0 += psi * p0; ge0 -= psi * p0 * x0
                        gc1 += psi * p1; ge1 -= psi * p1 * x1
                        gConstant += psi * pConstant
                    }
                }
            }
        }
        gradient[variableCoefficient[0]] += gc0
        gradient[variableExponent[0]] += ge0
        gradient[variableCoefficient[1]] += gc1
        gradient[variableExponent[1]] += ge1
        gradient[constantIndex] += gConstant
        let inverse = 1 / scale
        for j in 0..<dimension { gradient[j] *= inverse }
        return total * inverse
    }
}
