import Foundation

/// SplitMix64 (Steele, Lea, Flood 2014): a 64-bit counter through a mixing function. Tiny state
/// (one `UInt64`, so a batch sampler's position serialises into a checkpoint), good statistical
/// quality, and a stream that depends only on its seed. The data sampler and the fitter's
/// bootstrap both draw from it; their sequences are part of what resume and tests rely on.
public struct SplitMix64: RandomNumberGenerator, Sendable, Codable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator for stream `stream` of a run seeded with `seed` (e.g. one per bootstrap
    /// replicate, so results do not depend on which thread ran which replicate).
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next() ^ stream
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound without modulo bias (Lemire's multiply-and-reject).
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }

    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextUnit(), 1e-300)
        let u2 = nextUnit()
        return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
