import Foundation
import RunSchema
import ScalingLaws

/// Loads a fixture table from Tests/ScalingLawsTests/Fixtures.
func fixtureURL(_ name: String) throws -> URL {
    let base = (name as NSString).deletingPathExtension
    let ext = (name as NSString).pathExtension
    guard let url = Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Fixtures") else {
        throw FitError("fixture \(name) missing")
    }
    return url
}

func fixtureTable(_ name: String, columns: ColumnNames = ColumnNames()) throws -> ResultsTable {
    try ResultsTable.read(contentsOf: try fixtureURL(name), columns: columns)
}

func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / abs(b) }

/// Deterministic noise for synthetic data (SplitMix64 is part of the public API).
struct Noise {
    var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }
    /// A factor exp(σ·z): multiplicative noise of relative size σ.
    mutating func factor(_ sigma: Double) -> Double { sigma == 0 ? 1 : exp(sigma * rng.nextGaussian()) }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * rng.nextUnit() }
}

/// Central finite differences of f at x.
func finiteDifferenceGradient(_ x: [Double], step: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
    x.indices.map { j in
        let h = step * max(1, abs(x[j]))
        var plus = x, minus = x
        plus[j] += h
        minus[j] -= h
        return (f(plus) - f(minus)) / (2 * h)
    }
}

/// Max over coordinates of |a − b| / max(|b|, floor).
func maxRelativeDifference(_ a: [Double], _ b: [Double], floor: Double = 1e-8) -> Double {
    zip(a, b).map { abs($0 - $1) / max(abs($1), floor) }.max() ?? 0
}

/// Chinchilla rows: N log-spaced on [1e7, 3e9], tokens-per-parameter on [2, 200], loss from
/// `truth` times multiplicative noise.
func syntheticChinchillaRows(_ truth: ChinchillaParameters, count: Int, sigma: Double, seed: UInt64) -> ScalingRows {
    var noise = Noise(seed: seed)
    var n: [Double] = [], d: [Double] = [], loss: [Double] = []
    for _ in 0..<count {
        let size = exp(noise.uniform(log(1e7), log(3e9)))
        let tokens = size * exp(noise.uniform(log(2), log(200)))
        n.append(size); d.append(tokens)
        loss.append(truth.loss(n: size, d: tokens) * noise.factor(sigma))
    }
    return ScalingRows(n: n, d: d, loss: loss)
}

/// A small grid for synthetic tests (the full replication grid is kept for published data).
let smallChinchillaGrid = ChinchillaGrid(a: [0, 10, 20], b: [0, 10, 20], e: [-1, 0, 1], alpha: [0, 0.5, 1], beta: [0, 0.5, 1])
