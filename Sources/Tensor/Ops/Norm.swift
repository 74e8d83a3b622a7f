import Foundation

/// Fused LayerNorm and RMSNorm over the last axis. Forward saves per-row mean/rstd; backward is
/// one pass per row (llm.c's formulation), with weight/bias gradients summed per thread chunk and
/// combined in chunk order so results do not depend on scheduling.

extension Tensor {
    /// LayerNorm: (x − mean)·rstd·weight + bias, biased variance, over the last axis.
    public func layerNorm(weight: Tensor, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        normalize(op: "layer_norm", weight: weight, bias: bias, eps: eps, centered: true)
    }

    /// RMSNorm: x·rstd·weight with rstd = 1/√(mean(x²) + eps).
    public func rmsNorm(weight: Tensor, eps: Float = 1e-6) -> Tensor {
        normalize(op: "rms_norm", weight: weight, bias: nil, eps: eps, centered: false)
    }

    private func normalize(op: String, weight: Tensor, bias: Tensor?, eps: Float, centered: Bool) -> Tensor {
        let c = shape.last ?? 0
        guard weight.shape == [c], bias == nil || bias!.shape == [c] else {
            fatalError("\(op): weight \(weight.shape)\(bias.map { " and bias \($0.shape)" } ?? "") must be [\(c)] for input \(shape)")
        }
        let rows = count / Swift.max(c, 1)
        let x = self
        let out = Tensor(uninitialized: shape)
        let stats = Tensor(uninitialized: [2, rows])  // mean, rstd
        let xp = data, yp = out.data, w = weight.data, b = bias?.data
        let meanP = stats.data, rstdP = stats.data + rows
        let grain = Swift.max(1, 4096 / Swift.max(c, 1))
        parallelFor(rows, grain: grain) { r in
            for i in r {
                let xi = xp + i * c, yi = yp + i * c
                var mean: Float = 0
                if centered {
                    var s: Float = 0
                    for j in 0..<c { s += xi[j] }
                    mean = s / Float(c)
                }
                var v: Float = 0
                for j in 0..<c { let d = xi[j] - mean; v += d * d }
                let rstd = 1 / (v / Float(c) + eps).squareRoot()
                meanP[i] = mean; rstdP[i] = rstd
                if let b {
                    for j in 0..<c { yi[j] = (xi[j] - mean) * rstd * w[j] + b[j] }
                } else {
                    for j in 0..<c { yi[j] = (xi[j] - mean) * rstd * w[j] }
                }
            }
        }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return out.recording(op, inputs) { _, g in
            let gp = g.data
            let chunks = chunkCount(rows, grain: grain)
            let needW = weight.requiresGrad, needB = bias?.requiresGrad ?? false
            let partial = Tensor.zeros([chunks, 2, c])  // per-chunk dweight, dbias
            let pp = partial.data
            let (dx, acc) = x.requiresGrad ? x.gradBuffer(zeroed: false) : (nil, false)
            parallelChunks(rows, grain: grain) { chunk, r in
                let dw = pp + chunk * 2 * c, db = dw + c
                for i in r {
                    let xi = xp + i * c, gi = gp + i * c
                    let mean = meanP[i], rstd = rstdP[i]
                    // dnorm = g·w;  dx = rstd·(dnorm − mean(dnorm) − norm·mean(dnorm·norm))
                    var sumD: Float = 0, sumDN: Float = 0
                    for j in 0..<c {
                        let norm = (xi[j] - mean) * rstd
                        let dn = gi[j] * w[j]
                        sumD += dn; sumDN += dn * norm
                        dw[j] += gi[j] * norm
                        db[j] += gi[j]
                    }
                    guard let dx else { continue }
                    let meanD = centered ? sumD / Float(c) : 0, meanDN = sumDN / Float(c)
                    let di = dx + i * c
                    for j in 0..<c {
                        let norm = (xi[j] - mean) * rstd
                        let v = rstd * (gi[j] * w[j] - meanD - norm * meanDN)
                        di[j] = acc ? di[j] + v : v
                    }
                }
            }
            if needW {
                let (gw, _) = weight.gradBuffer(zeroed: true)
                for k in 0..<chunks { let src = pp + k * 2 * c; for j in 0..<c { gw[j] += src[j] } }
            }
            if needB, let bias {
                let (gb, _) = bias.gradBuffer(zeroed: true)
                for k in 0..<chunks { let src = pp + k * 2 * c + c; for j in 0..<c { gb[j] += src[j] } }
            }
            _ = stats  // saved statistics live as long as this closure
        }
    }
}
