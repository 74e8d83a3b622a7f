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

/// A linear layer per group of consecutive rows: rows [start_g, start_g + sizes[g]) of `x` use
/// weight[g] [out, in] and bias[g]. One GEMM per non-empty group over all of its rows (the
/// "grouped GEMM" of dropless MoE); empty groups cost nothing (and get zero weight gradients).
/// When the groups split evenly over the threads, each thread runs its own groups' GEMMs on a
/// single-threaded BLAS (many mid-sized GEMMs scale better that way than each one split across
/// threads); otherwise the groups run in turn with every thread inside each GEMM.
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
    let schedule = GroupSchedule(groupSizes, threads: Threads.count)
    let out = Tensor(uninitialized: [m, outF])
    let xp = x.data, wp = weight.data, o = out.data, bp = bias?.data
    schedule.run { g in
        let n = groupSizes[g]
        guard n > 0 else { return }
        let y = o + starts[g] * outF
        if let bp { for r in 0..<n { (y + r * outF).update(from: bp + g * outF, count: outF) } }
        BLAS.sgemm(transA: false, transB: true, m: n, n: outF, k: inF, a: xp + starts[g] * inF, lda: inF,
                   b: wp + g * outF * inF, ldb: inF, beta: bp == nil ? 0 : 1, c: y, ldc: outF)
    }
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return out.recording("grouped_linear", inputs) { _, grad in
        let gp = grad.data
        // Every row of dx belongs to exactly one group, so a fresh buffer needs no zeroing; only
        // the slices of empty groups in fresh dW/db must be cleared.
        let dx = x.requiresGrad ? x.gradBuffer(zeroed: false) : nil
        let dw = weight.requiresGrad ? weight.gradBuffer(zeroed: false) : nil
        let db = (bias?.requiresGrad ?? false) ? bias!.gradBuffer(zeroed: false) : nil
        schedule.run { g in
            let n = groupSizes[g]
            let gy = gp + starts[g] * outF, xg = xp + starts[g] * inF
            if let dx {
                BLAS.sgemm(transA: false, transB: false, m: n, n: inF, k: outF, a: gy, lda: outF,
                           b: wp + g * outF * inF, ldb: inF, beta: dx.accumulate ? 1 : 0, c: dx.pointer + starts[g] * inF, ldc: inF)
            }
            if let dw {
                let slice = dw.pointer + g * outF * inF
                if n > 0 {
                    BLAS.sgemm(transA: true, transB: false, m: outF, n: inF, k: n, a: gy, lda: outF,
                               b: xg, ldb: inF, beta: dw.accumulate ? 1 : 0, c: slice, ldc: inF)
                } else if !dw.accumulate {
                    slice.update(repeating: 0, count: outF * inF)
                }
            }
            if let db {
                let slice = db.pointer + g * outF
                if !db.accumulate { slice.update(repeating: 0, count: outF) }
                if schedule.isParallel {
                    for r in 0..<n { let row = gy + r * outF; for j in 0..<outF { slice[j] += row[j] } }
                } else {
                    columnSums(gy, rows: n, cols: outF, into: slice)
                }
            }
        }
    }
}

/// How `groupedLinear` spreads its groups over the threads: contiguous runs of groups balanced
/// by rows, one per thread, each on a single-threaded BLAS; or, when one thread is available or
/// no run split comes within 25% of an even share, every group in turn on the full BLAS.
struct GroupSchedule {
    /// One range of groups per thread (empty when the groups run in turn).
    let runs: [Range<Int>]
    let groups: Int
    var isParallel: Bool { !runs.isEmpty }

    init(_ sizes: [Int], threads: Int) {
        groups = sizes.count
        let total = sizes.reduce(0, +)
        guard threads > 1, sizes.count >= threads, total >= 4 * threads else { runs = []; return }
        // Cut where the running row count is nearest each multiple of total/threads.
        var cuts = [0], cumulative = 0, g = 0
        for c in 1..<threads {
            let target = Double(total) * Double(c) / Double(threads)
            while g < sizes.count && Double(cumulative + sizes[g]) <= target { cumulative += sizes[g]; g += 1 }
            if g < sizes.count && Double(cumulative + sizes[g]) - target < target - Double(cumulative) {
                cumulative += sizes[g]; g += 1
            }
            cuts.append(Swift.max(g, cuts.last!))
        }
        cuts.append(sizes.count)
        let runs = (0..<threads).map { cuts[$0]..<cuts[$0 + 1] }
        let heaviest = runs.map { sizes[$0].reduce(0, +) }.max()!
        self.runs = Double(heaviest) <= 1.25 * Double(total) / Double(threads) ? runs : []
    }

    func run(_ body: (Int) -> Void) {
        guard isParallel else {
            for g in 0..<groups { body(g) }
            return
        }
        Threads.withSingleThreadedBLAS {
            parallelFor(runs.count, grain: 1) { r in
                for run in r { for g in runs[run] { body(g) } }
            }
        }
    }
}
