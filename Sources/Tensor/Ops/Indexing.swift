import Foundation

/// Index-driven ops: row gather/scatter, grouped (per-expert) linear layers, take-along-axis,
/// log-sum-exp and top-k. Mixture-of-experts routing is built from these.

extension Tensor {
    /// out[i] = self[rows[i]] for a 2-D tensor (PyTorch `index_select(0, rows)`). Backward
    /// scatter-adds, so a row gathered twice gets both gradients.
    public func gatherRows(_ rows: [Int32]) -> Tensor {
        guard rank == 2 else { fatalError("gatherRows: expected a 2-D tensor, got \(shape)") }
        let (n, d) = (shape[0], shape[1])
        for r in rows where r < 0 || Int(r) >= n { fatalError("gatherRows: row \(r) out of range for \(shape)") }
        let out = Tensor(uninitialized: [rows.count, d])
        let x = data, o = out.data
        rows.withUnsafeBufferPointer { rp in
            parallelFor(rows.count, grain: Swift.max(1, 4096 / Swift.max(d, 1))) { r in
                for i in r { (o + i * d).update(from: x + Int(rp[i]) * d, count: d) }
            }
        }
        return out.recording("gather_rows", [self]) { _, g in
            let (dx, _) = self.gradBuffer(zeroed: true)
            rows.withUnsafeBufferPointer { rp in
                scatterAddRows(g.data, rows: rp, width: d, weights: nil, into: dx)
            }
        }
    }

    /// out[i, j] = self[i, indices[i, j]] along the last axis (PyTorch `take_along_dim`).
    public func takeAlongLastAxis(_ indices: Indices) -> Tensor {
        let w = shape.last ?? 0, rows = count / Swift.max(w, 1)
        guard indices.shape.count == shape.count, Array(indices.shape.dropLast()) == Array(shape.dropLast()) else {
            fatalError("takeAlongLastAxis: indices \(indices.shape) must match \(shape) except in the last dimension")
        }
        let k = indices.shape.last ?? 0
        for v in indices.values where v < 0 || Int(v) >= w { fatalError("takeAlongLastAxis: index \(v) out of range for \(shape)") }
        let out = Tensor(uninitialized: indices.shape)
        for i in 0..<rows { for j in 0..<k { out.data[i * k + j] = data[i * w + Int(indices.values[i * k + j])] } }
        return out.recording("take_along_dim", [self]) { _, g in
            let (dx, _) = self.gradBuffer(zeroed: true)
            for i in 0..<rows { for j in 0..<k { dx[i * w + Int(indices.values[i * k + j])] += g.data[i * k + j] } }
        }
    }

    /// log Σ exp over the last axis (dimension removed). Backward: softmax·g.
    public func logSumExp() -> Tensor {
        let w = shape.last ?? 0, rows = count / Swift.max(w, 1)
        let out = Tensor(uninitialized: Array(shape.dropLast()))
        let x = data, o = out.data
        parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(w, 1))) { r in
            for i in r { let m = rowMax(x + i * w, w); o[i] = m + Foundation.log(sumExpShifted(x + i * w, w, shift: m)) }
        }
        return out.recording("logsumexp", [self]) { out, g in
            let (dx, acc) = self.gradBuffer(zeroed: false)
            let lse = out.data, gp = g.data
            parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(w, 1))) { r in
                for i in r { expScaledRow(x + i * w, dx + i * w, w, shift: lse[i], scale: gp[i], accumulate: acc) }
            }
        }
    }

    /// The `k` largest entries of each row of a 2-D tensor, largest first (ties: lower index
    /// first). Not differentiable: select with it, then take values with `takeAlongLastAxis`.
    public func topK(_ k: Int) -> Indices {
        guard rank == 2, k >= 1, k <= shape[1] else { fatalError("topK: k = \(k) invalid for \(shape)") }
        let (n, w) = (shape[0], shape[1])
        var result = [Int32](repeating: 0, count: n * k)
        let x = data
        result.withUnsafeMutableBufferPointer { rp in
            parallelFor(n, grain: 256) { rows in
                var best = [Int32](repeating: 0, count: k)
                for i in rows {
                    let row = x + i * w
                    var filled = 0
                    for j in 0..<w {
                        let v = row[j]
                        // Insertion into the sorted prefix; strict > keeps the lower index on ties.
                        var pos = filled
                        while pos > 0 && v > row[Int(best[pos - 1])] { pos -= 1 }
                        if pos >= k { continue }
                        var q = Swift.min(filled, k - 1)
                        while q > pos { best[q] = best[q - 1]; q -= 1 }
                        best[pos] = Int32(j)
                        if filled < k { filled += 1 }
                    }
                    for j in 0..<k { rp[i * k + j] = best[j] }
                }
            }
        }
        return Indices(shape: [n, k], values: result)
    }
}

/// dst[rows[i]] += weights[i]·src[i] over `rows.count` rows of `width` (serial over rows, so the
/// order of additions is fixed; split over column ranges for parallelism).
func scatterAddRows(_ src: UnsafePointer<Float>, rows: UnsafeBufferPointer<Int32>, width d: Int,
                    weights: UnsafePointer<Float>?, into dst: UnsafeMutablePointer<Float>) {
    parallelFor(d, grain: Swift.max(16, d / Swift.max(Threads.count, 1))) { cols in
        for i in 0..<rows.count {
            let s = src + i * d, t = dst + Int(rows[i]) * d
            if let weights {
                let w = weights[i]
                for j in cols { t[j] += w * s[j] }
            } else {
                for j in cols { t[j] += s[j] }
            }
        }
    }
}

/// out [count, d] with out[rows[i]] += weights[i]·values[i] (rows never targeted stay 0): the
/// weighted combine of expert outputs back into token order. Gradients flow to `values`
/// (dvalues[i] = weights[i]·dout[rows[i]]) and to `weights` (⟨dout[rows[i]], values[i]⟩).
public func scatterAddRows(_ values: Tensor, weights: Tensor, rows: [Int32], count: Int) -> Tensor {
    guard values.rank == 2, weights.count == values.shape[0], rows.count == values.shape[0] else {
        fatalError("scatterAddRows: values \(values.shape), weights \(weights.shape) and \(rows.count) rows must agree")
    }
    for r in rows where r < 0 || Int(r) >= count { fatalError("scatterAddRows: row \(r) out of range for \(count) rows") }
    let d = values.shape[1]
    let out = Tensor.zeros([count, d])
    rows.withUnsafeBufferPointer { rp in scatterAddRows(values.data, rows: rp, width: d, weights: weights.data, into: out.data) }
    return out.recording("scatter_add_rows", [values, weights]) { _, g in
        let gp = g.data, v = values.data, w = weights.data
        rows.withUnsafeBufferPointer { rp in
            if values.requiresGrad {
                let (dv, acc) = values.gradBuffer(zeroed: false)
                parallelFor(rp.count, grain: Swift.max(1, 4096 / Swift.max(d, 1))) { r in
                    for i in r {
                        let src = gp + Int(rp[i]) * d, dst = dv + i * d, wi = w[i]
                        if acc { for j in 0..<d { dst[j] += wi * src[j] } } else { for j in 0..<d { dst[j] = wi * src[j] } }
                    }
                }
            }
            if weights.requiresGrad {
                let (dw, acc) = weights.gradBuffer(zeroed: false)
                parallelFor(rp.count, grain: Swift.max(1, 4096 / Swift.max(d, 1))) { r in
                    for i in r {
                        let s = dot(gp + Int(rp[i]) * d, v + i * d, d)
                        dw[i] = acc ? dw[i] + s : s
                    }
                }
            }
        }
    }
}

/// A linear layer per group of consecutive rows: rows [start_g, start_g + sizes[g]) of `x` use
/// weight[g] [out, in] and bias[g]. One GEMM per non-empty group over all of its rows (the
/// "grouped GEMM" of dropless MoE); empty groups cost nothing.
public func groupedLinear(_ x: Tensor, weight: Tensor, bias: Tensor?, groupSizes: [Int]) -> Tensor {
    guard x.rank == 2, weight.rank == 3, weight.shape[0] == groupSizes.count, weight.shape[2] == x.shape[1],
          groupSizes.reduce(0, +) == x.shape[0], groupSizes.allSatisfy({ $0 >= 0 }) else {
        fatalError("groupedLinear: x \(x.shape), weight \(weight.shape) and group sizes \(groupSizes) do not agree")
    }
    let (m, inF, outF) = (x.shape[0], weight.shape[2], weight.shape[1])
    if let bias, bias.shape != [groupSizes.count, outF] {
        fatalError("groupedLinear: bias \(bias.shape) must be [\(groupSizes.count), \(outF)]")
    }
    var starts = [Int](); var s = 0
    for n in groupSizes { starts.append(s); s += n }
    let out = Tensor(uninitialized: [m, outF])
    let xp = x.data, wp = weight.data, o = out.data
    for (g, n) in groupSizes.enumerated() where n > 0 {
        let y = o + starts[g] * outF
        if let bias { for r in 0..<n { (y + r * outF).update(from: bias.data + g * outF, count: outF) } }
        BLAS.sgemm(transA: false, transB: true, m: n, n: outF, k: inF, a: xp + starts[g] * inF, lda: inF,
                   b: wp + g * outF * inF, ldb: inF, beta: bias == nil ? 0 : 1, c: y, ldc: outF)
    }
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return out.recording("grouped_linear", inputs) { _, grad in
        let gp = grad.data
        let dx = x.requiresGrad ? x.gradBuffer(zeroed: true).pointer : nil
        let dw = weight.requiresGrad ? weight.gradBuffer(zeroed: true).pointer : nil
        let db = (bias?.requiresGrad ?? false) ? bias!.gradBuffer(zeroed: true).pointer : nil
        for (g, n) in groupSizes.enumerated() where n > 0 {
            let gy = gp + starts[g] * outF, xg = xp + starts[g] * inF
            if let dx {
                BLAS.sgemm(transA: false, transB: false, m: n, n: inF, k: outF, a: gy, lda: outF,
                           b: wp + g * outF * inF, ldb: inF, beta: 1, c: dx + starts[g] * inF, ldc: inF)
            }
            if let dw {
                BLAS.sgemm(transA: true, transB: false, m: outF, n: inF, k: n, a: gy, lda: outF,
                           b: xg, ldb: inF, beta: 1, c: dw + g * outF * inF, ldc: inF)
            }
            if let db { columnSums(gy, rows: n, cols: outF, into: db + g * outF) }
        }
    }
}
