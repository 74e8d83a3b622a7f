import Foundation

/// The Huber loss: quadratic within ±delta, linear outside, so a few bad points cannot dominate
/// a fit. `value` is ρ(r), `derivative` is ρ'(r) = clamp(r, −delta, delta).
public struct Huber: Sendable, Equatable {
    public var delta: Double
    public init(delta: Double) { self.delta = delta }
    @inline(__always) public func value(_ r: Double) -> Double {
        let a = abs(r)
        return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta)
    }
    @inline(__always) public func derivative(_ r: Double) -> Double {
        r > delta ? delta : (r < -delta ? -delta : r)
    }
}

/// The per-row loss a regression minimises: squared error (½r²) or Huber.
public enum RowLoss: Sendable, Equatable {
    case squared
    case huber(delta: Double)

    @inline(__always) func value(_ r: Double) -> Double {
        switch self {
        case .squared: return 0.5 * r * r
        case .huber(let delta): return Huber(delta: delta).value(r)
        }
    }
    @inline(__always) func derivative(_ r: Double) -> Double {
        switch self {
        case .squared: return r
        case .huber(let delta): return Huber(delta: delta).derivative(r)
        }
    }
}

enum Stats {
    /// The q-quantile (0…1) with linear interpolation between order statistics (numpy's
    /// default), ignoring non-finite values. nil when no finite value remains.
    static func quantile(_ values: [Double], _ q: Double) -> Double? {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return nil }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + fraction * (sorted[upper] - sorted[lower])
    }

    /// The central 95% percentile interval.
    static func interval95(_ values: [Double]) -> [Double]? {
        guard let lo = quantile(values, 0.025), let hi = quantile(values, 0.975) else { return nil }
        return [lo, hi]
    }

    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    /// Ordinary least squares y ≈ intercept + slope·x, optionally weighted.
    static func linearFit(x: [Double], y: [Double], weights: [Double]? = nil)
        -> (slope: Double, intercept: Double)?
    {
        precondition(x.count == y.count)
        var sw = 0.0, sx = 0.0, sy = 0.0
        for i in x.indices {
            let w = weights?[i] ?? 1
            sw += w; sx += w * x[i]; sy += w * y[i]
        }
        guard sw > 0 else { return nil }
        let mx = sx / sw, my = sy / sw
        var sxx = 0.0, sxy = 0.0
        for i in x.indices {
            let w = weights?[i] ?? 1
            sxx += w * (x[i] - mx) * (x[i] - mx)
            sxy += w * (x[i] - mx) * (y[i] - my)
        }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        return (slope, my - slope * mx)
    }

    /// Solves the small dense system A·x = b (row-major n×n) by Gaussian elimination with
    /// partial pivoting. nil when A is (numerically) singular.
    static func solve(_ a: [Double], _ b: [Double]) -> [Double]? {
        let n = b.count
        var m = a, rhs = b
        var scale = 0.0
        for v in a { scale = max(scale, abs(v)) }
        guard scale > 0 else { return nil }
        for col in 0..<n {
            var pivot = col
            for row in (col + 1)..<max(col + 1, n) where abs(m[row * n + col]) > abs(m[pivot * n + col]) {
                pivot = row
            }
            if abs(m[pivot * n + col]) <= 1e-13 * scale { return nil }
            if pivot != col {
                for k in 0..<n { m.swapAt(col * n + k, pivot * n + k) }
                rhs.swapAt(col, pivot)
            }
            for row in (col + 1)..<max(col + 1, n) {
                let f = m[row * n + col] / m[col * n + col]
                if f == 0 { continue }
                for k in col..<n { m[row * n + k] -= f * m[col * n + k] }
                rhs[row] -= f * rhs[col]
            }
        }
        var x = Array(repeating: 0.0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var s = rhs[row]
            for k in (row + 1)..<max(row + 1, n) { s -= m[row * n + k] * x[k] }
            x[row] = s / m[row * n + row]
        }
        return x
    }

    /// Weighted linear least squares: minimises Σ wᵢ (yᵢ − Σⱼ Xᵢⱼ βⱼ)² via the normal equations
    /// on column-scaled features (the designs here have ≤ 4 well-separated columns).
    static func leastSquares(design: [[Double]], y: [Double], weights: [Double]? = nil) -> [Double]? {
        guard let p = design.first?.count, p > 0 else { return nil }
        var scales = Array(repeating: 0.0, count: p)
        for row in design { for j in 0..<p { scales[j] = max(scales[j], abs(row[j])) } }
        for j in 0..<p where scales[j] == 0 { scales[j] = 1 }
        var ata = Array(repeating: 0.0, count: p * p)
        var aty = Array(repeating: 0.0, count: p)
        for (i, row) in design.enumerated() {
            let w = weights?[i] ?? 1
            if w == 0 { continue }
            for j in 0..<p {
                let xj = row[j] / scales[j]
                aty[j] += w * xj * y[i]
                for k in 0..<p { ata[j * p + k] += w * xj * row[k] / scales[k] }
            }
        }
        guard let scaled = solve(ata, aty) else { return nil }
        return (0..<p).map { scaled[$0] / scales[$0] }
    }
}
