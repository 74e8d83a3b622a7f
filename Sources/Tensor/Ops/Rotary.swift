import Foundation

/// Rotary position embedding (RoPE, Su et al. 2021) in the "rotate half" layout of GPT-NeoX and
/// LLaMA: within each head, element i pairs with i + Dh/2 and the pair is rotated by
/// position·base^(−2i/Dh). Applied to the q and k blocks of a fused qkv tensor; v passes through.
public struct RotaryTable: Sendable {
    public let tokens: Int, halfDim: Int
    let cos: [Float], sin: [Float]

    public init(tokens: Int, headDim: Int, base: Float = 10_000) {
        precondition(headDim % 2 == 0, "RoPE needs an even head dimension, got \(headDim)")
        self.tokens = tokens
        halfDim = headDim / 2
        var c = [Float](repeating: 0, count: tokens * halfDim), s = c
        for t in 0..<tokens {
            for i in 0..<halfDim {
                let angle = Double(t) * pow(Double(base), -2 * Double(i) / Double(headDim))
                c[t * halfDim + i] = Float(Foundation.cos(angle))
                s[t * halfDim + i] = Float(Foundation.sin(angle))
            }
        }
        cos = c; sin = s
    }
}

/// Rotates the q and k blocks of `qkv` [B, T, 3C] (heads of width 2·table.halfDim). Row t of
/// each sequence sits at position `startPosition + t` (nonzero when a KV cache already holds the
/// first `startPosition` tokens).
public func rotaryEmbedding(qkv: Tensor, heads: Int, table: RotaryTable, startPosition: Int = 0) -> Tensor {
    guard qkv.rank == 3, qkv.shape[2] % 3 == 0, qkv.shape[2] / 3 == heads * 2 * table.halfDim,
          startPosition >= 0, startPosition + qkv.shape[1] <= table.tokens else {
        fatalError("rotaryEmbedding: qkv \(qkv.shape) from position \(startPosition) does not match \(heads) heads of width \(2 * table.halfDim) and \(table.tokens) positions")
    }
    let (b, t, c3) = (qkv.shape[0], qkv.shape[1], qkv.shape[2])
    let c = c3 / 3, half = table.halfDim
    /// dst = R(±angle)·src on the q and k blocks; v copied (forward) or passed (backward).
    func rotate(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, inverse: Bool, accumulate: Bool) {
        table.cos.withUnsafeBufferPointer { cosp in
            table.sin.withUnsafeBufferPointer { sinp in
                parallelFor(b * t, grain: 16) { rows in
                    for row in rows {
                        let pos = startPosition + row % t
                        let cr = cosp.baseAddress! + pos * half, sr = sinp.baseAddress! + pos * half
                        let s = src + row * c3, d = dst + row * c3
                        for h in 0..<(2 * heads) {  // q heads then k heads
                            let x = s + h * 2 * half, y = d + h * 2 * half
                            for i in 0..<half {
                                let sn = inverse ? -sr[i] : sr[i]
                                let a = x[i] * cr[i] - x[i + half] * sn
                                let bb = x[i + half] * cr[i] + x[i] * sn
                                if accumulate { y[i] += a; y[i + half] += bb } else { y[i] = a; y[i + half] = bb }
                            }
                        }
                        let v = s + 2 * c, dv = d + 2 * c
                        if accumulate { for i in 0..<c { dv[i] += v[i] } } else { dv.update(from: v, count: c) }
                    }
                }
            }
        }
    }
    let out = Tensor(uninitialized: qkv.shape)
    rotate(qkv.data, out.data, inverse: false, accumulate: false)
    return out.recording("rotary_embedding", [qkv]) { _, g in
        let (dx, acc) = qkv.gradBuffer(zeroed: false)
        rotate(g.data, dx, inverse: true, accumulate: acc)
    }
}
