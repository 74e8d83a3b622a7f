import Foundation

/// Index-driven ops: row gather/scatter, take-along-axis and top-k. Mixture-of-experts routing
/// is built from these (with `groupedLinear` in Matmul.swift and `logSumExp` in Reduce.swift).

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
            let (dx, acc) = self.gradBuffer(zeroed: false)
            rows.withUnsafeBufferPointer { rp in
                scatterRows(g.data, rows: rp, width: d, weights: nil, into: dx, count: n, accumulate: acc)
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
        let x = data, o = out.data
        indices.values.withUnsafeBufferPointer { ip in
            parallelFor(rows, grain: Swift.max(1, 16384 / Swift.max(k, 1))) { r in
                for i in r { for j in 0..<k { o[i * k + j] = x[i * w + Int(ip[i * k + j])] } }
            }
        }
        return out.recording("take_along_dim", [self]) { _, g in
            let (dx, acc) = self.gradBuffer(zeroed: false)
            let gp = g.data
            indices.values.withUnsafeBufferPointer { ip in
                parallelFor(rows, grain: Swift.max(1, 16384 / Swift.max(w + k, 1))) { r in
                    for i in r {
                        let row = dx + i * w
                        if !acc { row.update(repeating: 0, count: w) }
                        for j in 0..<k { row[Int(ip[i * k + j])] += gp[i * k + j] }  // an index may repeat
                    }
                }
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
            parallelFor(n, grain: Swift.max(1, 8192 / Swift.max(w * k, 1))) { rows in
                for i in rows { topKRow(x + i * w, w, k, into: rp.baseAddress! + i * k) }
            }
        }
        return Indices(shape: [n, k], values: result)
    }
}

/// Indices of the k largest of row[0..<w], largest first, written to `best` (which doubles as
/// the insertion buffer). Strict > keeps the lower index first on ties.
@inline(__always)
private func topKRow(_ row: UnsafePointer<Float>, _ w: Int, _ k: Int, into best: UnsafeMutablePointer<Int32>) {
    var filled = 0
    for j in 0..<w {
        let v = row[j]
        var pos = filled
        while pos > 0 && v > row[Int(best[pos - 1])] { pos -= 1 }
        if pos >= k { continue }
        var q = Swift.min(filled, k - 1)
        while q > pos { best[q] = best[q - 1]; q -= 1 }
        best[pos] = Int32(j)
        if filled < k { filled += 1 }
    }
}

/// dst[rows[i]] (+)= weights[i]·src[i] for every i, rows of `width`. Parallel over the `count`
/// destination rows through the inverted index (each destination is written by one thread, adding
/// its sources in ascending order: the same sums, bit for bit, at any thread count). Without
/// `accumulate` destinations are overwritten, and those no row targets become 0.
func scatterRows(_ src: UnsafePointer<Float>, rows: UnsafeBufferPointer<Int32>, width d: Int,
                 weights: UnsafePointer<Float>?, into dst: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
    let inverse = InverseRows(rows, count: count)
    inverse.offsets.withUnsafeBufferPointer { off in
        inverse.sources.withUnsafeBufferPointer { srcOf in
            let perTarget = d * Swift.max(1, rows.count / Swift.max(count, 1))  // floats touched per target
            parallelFor(count, grain: Swift.max(1, 8192 / Swift.max(perTarget, 1))) { r in
                for t in r {
                    let o = dst + t * d
                    var q = off[t]
                    let end = off[t + 1]
                    if !accumulate {
                        guard q < end else { o.update(repeating: 0, count: d); continue }
                        let i = Int(srcOf[q]), s = src + i * d
                        if let weights { let w = weights[i]; for j in 0..<d { o[j] = w * s[j] } } else { o.update(from: s, count: d) }
                        q += 1
                    }
                    while q < end {
                        let i = Int(srcOf[q]), s = src + i * d
                        if let weights { let w = weights[i]; for j in 0..<d { o[j] += w * s[j] } } else { for j in 0..<d { o[j] += s[j] } }
                        q += 1
                    }
                }
            }
        }
    }
}

/// `rows` inverted (CSR): the positions i with rows[i] == t are sources[offsets[t]..<offsets[t+1]],
/// ascending. A counting sort, O(rows + count).
struct InverseRows {
    var offsets: [Int]
    var sources: [Int32]

    init(_ rows: UnsafeBufferPointer<Int32>, count: Int) {
        var offsets = [Int](repeating: 0, count: count + 1)
        var sources = [Int32](repeating: 0, count: rows.count)
        offsets.withUnsafeMutableBufferPointer { off in
            for r in rows { off[Int(r) + 1] += 1 }
            for t in 0..<count { off[t + 1] += off[t] }
            sources.withUnsafeMutableBufferPointer { src in
                for (i, r) in rows.enumerated() {
                    src[off[Int(r)]] = Int32(i)
                    off[Int(r)] += 1
                }
            }
            // The fill advanced each offset to its end: shift back by one slot.
            for t in stride(from: count, to: 0, by: -1) { off[t] = off[t - 1] }
            off[0] = 0
        }
        self.offsets = offsets
        self.sources = sources
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
    let out = Tensor(uninitialized: [count, d])
    rows.withUnsafeBufferPointer { rp in
        scatterRows(values.data, rows: rp, width: d, weights: weights.data, into: out.data, count: count, accumulate: false)
    }
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
