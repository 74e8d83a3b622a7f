/// Matrix products. Every product is `cblas_sgemm` with M = all rows the operands allow:
/// a batched left operand times a 2-D right operand folds its batch into M (one call); equal
/// batch dimensions on both sides loop one call per batch matrix. Transposes are BLAS flags.

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
        if let bias {
            for r in 0..<rows { (out.data + r * outFeatures).update(from: bias.data, count: outFeatures) }
        }
        BLAS.sgemm(transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures,
                   a: x.data, lda: inFeatures, b: weight.data, ldb: inFeatures,
                   beta: bias == nil ? 0 : 1, c: out.data, ldc: outFeatures)
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
