import Foundation

/// Counter-based random numbers: value i of a stream is a hash of (seed, counter + i), so a
/// stream is fully described by two integers (saved in checkpoints) and can be generated in
/// parallel chunks with results independent of the thread count.
public struct RandomState: Codable, Equatable, Sendable {
    public var seed: UInt64
    public var counter: UInt64

    public init(seed: UInt64, counter: UInt64 = 0) {
        self.seed = seed
        self.counter = counter
    }

    /// SplitMix64's finaliser over a Weyl sequence keyed by the seed.
    @inline(__always)
    static func mix(_ seed: UInt64, _ i: UInt64) -> UInt64 {
        var z = seed &* 0xD6E8FEB86659FD93 &+ i &* 0x9E3779B97F4A7C15
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }

    /// A uniform in [0, 1) from the top 24 bits of value `i` of the stream.
    @inline(__always)
    static func uniform(_ seed: UInt64, _ i: UInt64) -> Float {
        Float(mix(seed, i) >> 40) * (1.0 / 16_777_216.0)
    }

    public mutating func nextUInt64() -> UInt64 {
        defer { counter &+= 1 }
        return RandomState.mix(seed, counter)
    }

    /// Uniform integer in 0..<n.
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0)
        return Int(nextUInt64() % UInt64(n))
    }

    public mutating func nextUniform() -> Float {
        defer { counter &+= 1 }
        return RandomState.uniform(seed, counter)
    }

    /// Reserves `n` consecutive stream values and returns the first index.
    mutating func reserve(_ n: Int) -> UInt64 {
        defer { counter &+= UInt64(n) }
        return counter
    }
}

extension Tensor {
    /// Normal(mean, std) values (Box–Muller on pairs of stream values).
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RandomState) -> Tensor {
        let t = Tensor(uninitialized: shape)
        let n = t.count, seed = rng.seed, start = rng.reserve(2 * n)
        let p = t.data
        parallelFor(n, grain: 1 << 14) { r in
            for i in r {
                let u1 = Swift.max(RandomState.uniform(seed, start + 2 * UInt64(i)), 1e-7)
                let u2 = RandomState.uniform(seed, start + 2 * UInt64(i) + 1)
                p[i] = mean + std * Foundation.sqrt(-2 * Foundation.log(u1)) * Foundation.cos(2 * .pi * u2)
            }
        }
        return t
    }

    /// Uniform values in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, rng: inout RandomState) -> Tensor {
        let t = Tensor(uninitialized: shape)
        let n = t.count, seed = rng.seed, start = rng.reserve(n)
        let p = t.data
        parallelFor(n, grain: 1 << 14) { r in
            for i in r { p[i] = low + (high - low) * RandomState.uniform(seed, start + UInt64(i)) }
        }
        return t
    }

    /// Inverted dropout: zeroes each element with probability `p` and scales survivors by
    /// 1/(1−p). The mask is regenerated from the stream position in backward, not stored.
    public func dropout(_ p: Float, rng: inout RandomState) -> Tensor {
        guard p > 0 else { return self }
        guard p < 1 else { fatalError("dropout: probability \(p) must be in [0, 1)") }
        let seed = rng.seed, start = rng.reserve(count)
        let keepScale = 1 / (1 - p)
        func apply(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, accumulate: Bool) {
            parallelFor(count, grain: 1 << 14) { r in
                for i in r {
                    let keep = RandomState.uniform(seed, start + UInt64(i)) >= p
                    let v = keep ? src[i] * keepScale : 0
                    dst[i] = accumulate ? dst[i] + v : v
                }
            }
        }
        let out = Tensor(uninitialized: shape)
        apply(data, out.data, accumulate: false)
        return out.recording("dropout", [self]) { _, g in
            let (dx, acc) = self.gradBuffer(zeroed: false)
            apply(g.data, dx, accumulate: acc)
        }
    }
}
