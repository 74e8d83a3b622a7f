/// Matrix products. Every product is `cblas_sgemm` with M = all rows the operands allow:
/// a batched left operand times a 2-D right operand folds its batch into M (one call); equal
/// batch dimensions on both sides loop one call per batch matrix. Transposes are BLAS flags.
/// `groupedLinear` (mixture-of-experts layers) is one GEMM per group of consecutive rows.

extension Tensor {
    /// op(a)·op(b) where op transposes the last two dims when its flag is set.
    /// Accepted: a [..., M, K] with b [K, N] (batch folded into M) or b [..., K, N] (same batch).
    public func matmul(_ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let a = self
        let outShape = Shape.check { () throws(ShapeError) in
            try Shape.matmul(a.shape, b.shape, transposeA: transposeA, transposeB: transposeB)
        }
        let out = Tensor(uninitialized: outShape)
        let g = MatmulGeometry(a: a.shape, b: b.shape, transposeA: transposeA, transposeB: transposeB)
        g.forward(a.data, b.data, out.data)
        return out.recording("matmul", [a, b]) { _, grad in
            if a.requiresGrad {
                let (da, acc) = a.gradBuffer(zeroed: false)
                g.gradA(grad.data, b.data, da, accumulate: acc)
            }
            if b.requiresGrad {
                let (db, acc) = b.gradBuffer(zeroed: false)
                g.gradB(grad.data, a.data, db, accumulate: acc)
            }
        }
    }

    /// x·Wᵀ + bias with PyTorch's layout: x [..., in], weight [out, in], bias [out].
    /// One GEMM over all rows of x; the bias seeds C so the GEMM adds onto it (β = 1).
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        let x = self
        guard weight.rank == 2, let inFeatures = x.shape.last, weight.shape[1] == inFeatures else {
            fatalError("linear: input \(x.shape) does not match weight \(weight.shape) (expected [..., \(weight.rank == 2 ? weight.shape[1] : -1)])")
        }
        let outFeatures = weight.shape[0]
        if let bias, bias.shape != [outFeatures] {
            fatalError("linear: bias shape \(bias.shape) does not match weight \(weight.shape) (expected [\(outFeatures)])")
        }
        let rows = x.count / Swift.max(inFeatures, 1)
        let out = Tensor(uninitialized: Array(x.shape.dropLast()) + [outFeatures])
        BLAS.sgemm(transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures,
                   a: x.data, lda: inFeatures, b: weight.data, ldb: inFeatures,
                   c: out.data, ldc: outFeatures, rowBias: bias?.data)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return out.recording("linear", inputs) { _, g in
            if x.requiresGrad {  // dx = g·W
                let (dx, acc) = x.gradBuffer(zeroed: false)
                BLAS.sgemm(transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures,
                           a: g.data, lda: outFeatures, b: weight.data, ldb: inFeatures,
                           beta: acc ? 1 : 0, c: dx, ldc: inFeatures)
            }
            if weight.requiresGrad {  // dW = gᵀ·x
                let (dw, acc) = weight.gradBuffer(zeroed: false)
                BLAS.sgemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows,
                           a: g.data, lda: outFeatures, b: x.data, ldb: inFeatures,
                           beta: acc ? 1 : 0, c: dw, ldc: inFeatures)
            }
            if let bias, bias.requiresGrad {
                let (db, _) = bias.gradBuffer(zeroed: true)
                columnSums(g.data, rows: rows, cols: outFeatures, into: db)
            }
        }
    }
}

/// dst[j] += Σ_i src[i, j], split over row chunks with partial sums combined in chunk order.
func columnSums(_ src: UnsafePointer<Float>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Float>) {
    let chunks = chunkCount(rows, grain: Swift.max(1, 16384 / Swift.max(cols, 1)))
    if chunks == 1 {
        for i in 0..<rows { let row = src + i * cols; for j in 0..<cols { dst[j] += row[j] } }
        return
    }
    let partial = Tensor.zeros([chunks, cols])
    let p = partial.data
    parallelChunks(rows, grain: Swift.max(1, 16384 / Swift.max(cols, 1))) { c, r in
        let acc = p + c * cols
        for i in r { let row = src + i * cols; for j in 0..<cols { acc[j] += row[j] } }
    }
    for c in 0..<chunks { let acc = p + c * cols; for j in 0..<cols { dst[j] += acc[j] } }
}

/// The GEMM calls of one matmul and of its two gradients.
struct MatmulGeometry {
    let m: Int, n: Int, k: Int
    let transposeA: Bool, transposeB: Bool
    let batch: Int
    /// b is shared by every batch matrix of a (2-D b).
    let sharedB: Bool

    init(a: [Int], b: [Int], transposeA: Bool, transposeB: Bool) {
        m = transposeA ? a[a.count - 1] : a[a.count - 2]
        k = transposeA ? a[a.count - 2] : a[a.count - 1]
        n = transposeB ? b[b.count - 2] : b[b.count - 1]
        self.transposeA = transposeA
        self.transposeB = transposeB
        batch = a.dropLast(2).reduce(1, *)
        sharedB = b.count == 2
    }

    var lda: Int { transposeA ? m : k }
    var ldb: Int { transposeB ? k : n }
    /// With a shared b and untransposed a, the batch folds into M.
    var folds: Bool { sharedB && !transposeA }

    func forward(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
        if folds {
            BLAS.sgemm(transA: false, transB: transposeB, m: batch * m, n: n, k: k,
                       a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: n)
            return
        }
        for i in 0..<batch {
            BLAS.sgemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k,
                       a: a + i * m * k, lda: lda, b: sharedB ? b : b + i * k * n, ldb: ldb,
                       c: c + i * m * n, ldc: n)
        }
    }

    /// dA = dC·op(B)ᵀ (or op(B)·dCᵀ when A was transposed).
    func gradA(_ dc: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ da: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let beta: Float = accumulate ? 1 : 0
        if folds {
            BLAS.sgemm(transA: false, transB: !transposeB, m: batch * m, n: k, k: n,
                       a: dc, lda: n, b: b, ldb: ldb, beta: beta, c: da, ldc: k)
            return
        }
        for i in 0..<batch {
            let bi = sharedB ? b : b + i * k * n
            if transposeA {  // A stored [k, m]: dA = op(B)·dCᵀ
                BLAS.sgemm(transA: transposeB, transB: true, m: k, n: m, k: n,
                           a: bi, lda: ldb, b: dc + i * m * n, ldb: n, beta: beta, c: da + i * m * k, ldc: m)
            } else {
                BLAS.sgemm(transA: false, transB: !transposeB, m: m, n: k, k: n,
                           a: dc + i * m * n, lda: n, b: bi, ldb: ldb, beta: beta, c: da + i * m * k, ldc: k)
            }
        }
    }

    /// dB = op(A)ᵀ·dC (or dCᵀ·op(A) when B was transposed); summed over the batch for a shared B.
    func gradB(_ dc: UnsafePointer<Float>, _ a: UnsafePointer<Float>, _ db: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if folds {
            if transposeB {  // B stored [n, k]: dB = dCᵀ·A over all folded rows
                BLAS.sgemm(transA: true, transB: false, m: n, n: k, k: batch * m,
                           a: dc, lda: n, b: a, ldb: k, beta: accumulate ? 1 : 0, c: db, ldc: k)
            } else {
                BLAS.sgemm(transA: true, transB: false, m: k, n: n, k: batch * m,
                           a: a, lda: k, b: dc, ldb: n, beta: accumulate ? 1 : 0, c: db, ldc: n)
            }
            return
        }
        for i in 0..<batch {
            let beta: Float = (accumulate || (sharedB && i > 0)) ? 1 : 0
            let ai = a + i * m * k, dci = dc + i * m * n
            let dbi = sharedB ? db : db + i * k * n
            if transposeB {  // dB [n, k] = dCᵀ·op(A)
                BLAS.sgemm(transA: true, transB: transposeA, m: n, n: k, k: m,
                           a: dci, lda: n, b: ai, ldb: lda, beta: beta, c: dbi, ldc: k)
            } else {          // dB [k, n] = op(A)ᵀ·dC
                BLAS.sgemm(transA: !transposeA, transB: false, m: k, n: n, k: m,
                           a: ai, lda: lda, b: dci, ldb: n, beta: beta, c: dbi, ldc: n)
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
