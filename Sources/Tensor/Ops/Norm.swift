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
                let (mean, rstd) = rowStatistics(xp + i * c, c, eps: eps, centered: centered)
                meanP[i] = mean; rstdP[i] = rstd
                normalizeRow(xp + i * c, yp + i * c, c, mean: mean, rstd: rstd, weight: w, bias: b)
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
                    normBackwardRow(x: xp + i * c, g: gp + i * c, c, mean: meanP[i], rstd: rstdP[i], weight: w,
                                    centered: centered, dWeight: dw, dBias: db,
                                    dx: dx.map { $0 + i * c }, accumulate: acc)
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

/// (mean, 1/√(var + eps)) of a row; `centered: false` gives RMSNorm's (0, 1/√(mean(x²) + eps)).
@inline(__always)
func rowStatistics(_ x: UnsafePointer<Float>, _ c: Int, eps: Float, centered: Bool) -> (Float, Float) {
    var mean: Float = 0
    if centered {
        var s = Vec8.zero, j = 0
        while j + 8 <= c { s += load8(x + j); j += 8 }
        var total = horizontalSum(s)
        while j < c { total += x[j]; j += 1 }
        mean = total / Float(c)
    }
    let m = Vec8(repeating: mean)
    var v = Vec8.zero, j = 0
    while j + 8 <= c { let d = load8(x + j) - m; v += d * d; j += 8 }
    var variance = horizontalSum(v)
    while j < c { let d = x[j] - mean; variance += d * d; j += 1 }
    return (mean, 1 / (variance / Float(c) + eps).squareRoot())
}

/// y = (x − mean)·rstd·w (+ b).
@inline(__always)
func normalizeRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ c: Int, mean: Float, rstd: Float,
                  weight w: UnsafePointer<Float>, bias b: UnsafePointer<Float>?) {
    let m = Vec8(repeating: mean), r = Vec8(repeating: rstd)
    var j = 0
    if let b {
        while j + 8 <= c { store8((load8(x + j) - m) * r * load8(w + j) + load8(b + j), y + j); j += 8 }
        while j < c { y[j] = (x[j] - mean) * rstd * w[j] + b[j]; j += 1 }
    } else {
        while j + 8 <= c { store8((load8(x + j) - m) * r * load8(w + j), y + j); j += 8 }
        while j < c { y[j] = (x[j] - mean) * rstd * w[j]; j += 1 }
    }
}

/// One row of the norm backward (llm.c's formulation): dnorm = g·w,
/// dx = rstd·(dnorm − mean(dnorm) − norm·mean(dnorm·norm)) (the mean(dnorm) term only for
/// LayerNorm), and dW += g·norm, dB += g into the caller's per-chunk accumulators.
@inline(__always)
func normBackwardRow(x: UnsafePointer<Float>, g: UnsafePointer<Float>, _ c: Int, mean: Float, rstd: Float,
                     weight w: UnsafePointer<Float>, centered: Bool,
                     dWeight dw: UnsafeMutablePointer<Float>, dBias db: UnsafeMutablePointer<Float>,
                     dx: UnsafeMutablePointer<Float>?, accumulate: Bool) {
    let m = Vec8(repeating: mean), r = Vec8(repeating: rstd)
    var sd = Vec8.zero, sdn = Vec8.zero, j = 0
    while j + 8 <= c {
        let norm = (load8(x + j) - m) * r, gv = load8(g + j)
        let dn = gv * load8(w + j)
        sd += dn; sdn += dn * norm
        store8(load8(dw + j) + gv * norm, dw + j)
        store8(load8(db + j) + gv, db + j)
        j += 8
    }
    var sumD = horizontalSum(sd), sumDN = horizontalSum(sdn)
    while j < c {
        let norm = (x[j] - mean) * rstd, dn = g[j] * w[j]
        sumD += dn; sumDN += dn * norm
        dw[j] += g[j] * norm; db[j] += g[j]
        j += 1
    }
    guard let dx else { return }
    let meanD = centered ? sumD / Float(c) : 0, meanDN = sumDN / Float(c)
    let md = Vec8(repeating: meanD), mdn = Vec8(repeating: meanDN)
    j = 0
    while j + 8 <= c {
        let norm = (load8(x + j) - m) * r
        let v = r * (load8(g + j) * load8(w + j) - md - norm * mdn)
        store8(accumulate ? load8(dx + j) + v : v, dx + j)
        j += 8
    }
    while j < c {
        let norm = (x[j] - mean) * rstd
        let v = rstd * (g[j] * w[j] - meanD - norm * meanDN)
        dx[j] = accumulate ? dx[j] + v : v
        j += 1
    }
}
