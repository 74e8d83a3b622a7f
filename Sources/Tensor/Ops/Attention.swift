import Foundation

/// Scaled dot-product attention, fused: per (batch, head), S = QKᵀ, a masked softmax of scale·S
/// and O = PV, with every product a BLAS call on strided views (no head split/merge copies). The
/// scale lives in the softmax and in dS, so every product has α = 1 and can take the small-GEMM
/// path (SmallGEMM.swift). Causal attention works in row blocks: block [r0, r1) only multiplies
/// against keys 0..<r1, so the upper triangle beyond the diagonal block is never computed.
/// Forward saves P (B·H·T·T floats); backward reuses it.

/// Where element (b, h, t, d) of a Q/K/V/O operand lives: base + b·batch + h·head + t·row + d.
struct HeadLayout {
    let batchStride: Int, headStride: Int, rowStride: Int

    @inline(__always) func offset(_ b: Int, _ h: Int) -> Int { b * batchStride + h * headStride }

    /// [B, H, T, Dh] contiguous.
    static func bhtd(heads: Int, tokens: Int, headDim: Int) -> HeadLayout {
        HeadLayout(batchStride: heads * tokens * headDim, headStride: tokens * headDim, rowStride: headDim)
    }

    /// Heads interleaved in rows of width `rowWidth` ([B, T, …] with head h at column h·Dh).
    static func interleaved(tokens: Int, rowWidth: Int, headDim: Int) -> HeadLayout {
        HeadLayout(batchStride: tokens * rowWidth, headStride: headDim, rowStride: rowWidth)
    }
}

struct AttentionKernel {
    let batch: Int, heads: Int, tokens: Int, headDim: Int
    let scale: Float
    let causal: Bool
    let q: HeadLayout, k: HeadLayout, v: HeadLayout, o: HeadLayout
    /// Rows per causal block: small enough to skip most of the masked triangle, large enough to
    /// keep the GEMMs efficient.
    let blockRows = 64

    var pairs: Int { batch * heads }

    @inline(__always) func columns(blockEnd r1: Int) -> Int { causal ? r1 : tokens }

    func forward(_ qp: UnsafePointer<Float>, _ kp: UnsafePointer<Float>, _ vp: UnsafePointer<Float>,
                 out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>) {
        let t = tokens, dh = headDim
        Threads.withSingleThreadedBLAS {
            parallelFor(pairs, grain: 1) { range in
                for bh in range {
                    let b = bh / heads, h = bh % heads
                    let qb = qp + q.offset(b, h), kb = kp + k.offset(b, h), vb = vp + v.offset(b, h)
                    let ob = out + o.offset(b, h), pb = probs + bh * t * t
                    for r0 in stride(from: 0, to: t, by: blockRows) {
                        let r1 = min(r0 + blockRows, t), cols = columns(blockEnd: r1)
                        BLAS.sgemm(transA: false, transB: true, m: r1 - r0, n: cols, k: dh,
                                   a: qb + r0 * q.rowStride, lda: q.rowStride, b: kb, ldb: k.rowStride,
                                   c: pb + r0 * t, ldc: t)
                        if causal {
                            causalSoftmaxRows(pb + r0 * t, rows: r1 - r0, ld: t, firstLength: r0 + 1, cols: cols, scale: scale)
                        } else {
                            for i in r0..<r1 { softmaxRowInPlace(pb + i * t, t, scale: scale, zeroTo: t, capacity: t) }
                        }
                        BLAS.sgemm(transA: false, transB: false, m: r1 - r0, n: dh, k: cols,
                                   a: pb + r0 * t, lda: t, b: vb, ldb: v.rowStride,
                                   c: ob + r0 * o.rowStride, ldc: o.rowStride)
                    }
                }
            }
        }
    }

    /// Accumulates dQ, dK, dV (β = 1: pass zeroed or existing gradient buffers).
    func backward(_ qp: UnsafePointer<Float>, _ kp: UnsafePointer<Float>, _ vp: UnsafePointer<Float>,
                  probs: UnsafePointer<Float>, gradOut: UnsafePointer<Float>,
                  dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>) {
        let t = tokens, dh = headDim, blk = min(blockRows, t)
        let chunks = chunkCount(pairs, grain: 1)
        let scratch = Tensor(uninitialized: [chunks, blk * t])  // dP/dS of one row block
        let sp = scratch.data
        Threads.withSingleThreadedBLAS {
            parallelChunks(pairs, grain: 1) { chunk, range in
                let ds = sp + chunk * blk * t
                for bh in range {
                    let b = bh / heads, h = bh % heads
                    let qb = qp + q.offset(b, h), kb = kp + k.offset(b, h), vb = vp + v.offset(b, h)
                    let dqb = dq + q.offset(b, h), dkb = dk + k.offset(b, h), dvb = dv + v.offset(b, h)
                    let gb = gradOut + o.offset(b, h), pb = probs + bh * t * t
                    for r0 in stride(from: 0, to: t, by: blockRows) {
                        let r1 = min(r0 + blockRows, t), rows = r1 - r0, cols = columns(blockEnd: r1)
                        let pBlock = pb + r0 * t
                        // dP = dO·Vᵀ
                        BLAS.sgemm(transA: false, transB: true, m: rows, n: cols, k: dh,
                                   a: gb + r0 * o.rowStride, lda: o.rowStride, b: vb, ldb: v.rowStride,
                                   c: ds, ldc: t)
                        // dS = scale·P ∘ (dP − ⟨dP, P⟩_row), the gradient of the unscaled scores; P is
                        // zero from each row's causal end to `cols`, so dS is too.
                        for i in 0..<rows {
                            softmaxBackwardRowInPlace(pBlock + i * t, ds + i * t, cols, scale: scale)
                        }
                        // dV += Pᵀ·dO, dQ += dS·K, dK += dSᵀ·Q
                        BLAS.sgemm(transA: true, transB: false, m: cols, n: dh, k: rows,
                                   a: pBlock, lda: t, b: gb + r0 * o.rowStride, ldb: o.rowStride,
                                   beta: 1, c: dvb, ldc: v.rowStride)
                        BLAS.sgemm(transA: false, transB: false, m: rows, n: dh, k: cols,
                                   a: ds, lda: t, b: kb, ldb: k.rowStride,
                                   beta: 1, c: dqb + r0 * q.rowStride, ldc: q.rowStride)
                        BLAS.sgemm(transA: true, transB: false, m: cols, n: dh, k: rows,
                                   a: ds, lda: t, b: qb + r0 * q.rowStride, ldb: q.rowStride,
                                   beta: 1, c: dkb, ldc: k.rowStride)
                    }
                }
            }
        }
    }
}

/// Attention over [B, H, T, Dh] query, key and value (PyTorch's
/// `scaled_dot_product_attention`); `scale` defaults to 1/√Dh.
public func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor,
                                      causal: Bool = true, scale: Float? = nil) -> Tensor {
    guard query.rank == 4, query.shape == key.shape, query.shape == value.shape else {
        fatalError("scaledDotProductAttention: query \(query.shape), key \(key.shape) and value \(value.shape) must all be [B, H, T, Dh]")
    }
    let (b, h, t, dh) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
    let layout = HeadLayout.bhtd(heads: h, tokens: t, headDim: dh)
    let kernel = AttentionKernel(batch: b, heads: h, tokens: t, headDim: dh,
                                 scale: scale ?? 1 / Foundation.sqrt(Float(dh)), causal: causal,
                                 q: layout, k: layout, v: layout, o: layout)
    let out = Tensor(uninitialized: query.shape)
    let probs = Tensor(uninitialized: [b * h, t, t])
    kernel.forward(query.data, key.data, value.data, out: out.data, probs: probs.data)
    return out.recording("scaled_dot_product_attention", [query, key, value]) { _, g in
        // Inputs that need no gradient still get a scratch buffer: the kernel writes all three.
        func target(_ x: Tensor) -> (UnsafeMutablePointer<Float>, Tensor?) {
            if x.requiresGrad { return (x.gradBuffer(zeroed: true).pointer, nil) }
            let s = Tensor.zeros(x.shape)
            return (s.data, s)
        }
        let (dq, sq) = target(query), (dk, sk) = target(key), (dv, sv) = target(value)
        kernel.backward(query.data, key.data, value.data, probs: probs.data, gradOut: g.data, dq: dq, dk: dk, dv: dv)
        withExtendedLifetime((sq, sk, sv)) {}
    }
}

/// Causal self-attention straight from a fused projection: `qkv` is [B, T, 3C] with q, k, v in
/// consecutive C-wide blocks and head h at columns h·Dh of each (the layout of GPT-2's `c_attn`).
/// Returns [B, T, C] with heads re-interleaved, ready for the output projection. `scale`
/// multiplies the scores q·k (default 1/√Dh; μP uses 1/Dh times a constant).
public func causalSelfAttention(qkv: Tensor, heads: Int, scale: Float? = nil) -> Tensor {
    guard qkv.rank == 3, qkv.shape[2] % 3 == 0, (qkv.shape[2] / 3) % heads == 0 else {
        fatalError("causalSelfAttention: qkv \(qkv.shape) must be [B, T, 3C] with C divisible by \(heads) heads")
    }
    let (b, t, c3) = (qkv.shape[0], qkv.shape[1], qkv.shape[2])
    let c = c3 / 3, dh = c / heads
    let inLayout = HeadLayout.interleaved(tokens: t, rowWidth: c3, headDim: dh)
    let kernel = AttentionKernel(batch: b, heads: heads, tokens: t, headDim: dh,
                                 scale: scale ?? 1 / Foundation.sqrt(Float(dh)), causal: true,
                                 q: inLayout, k: inLayout, v: inLayout,
                                 o: .interleaved(tokens: t, rowWidth: c, headDim: dh))
    let out = Tensor(uninitialized: [b, t, c])
    let probs = Tensor(uninitialized: [b * heads, t, t])
    let p = qkv.data
    kernel.forward(p, p + c, p + 2 * c, out: out.data, probs: probs.data)
    return out.recording("causal_self_attention", [qkv]) { _, g in
        let (d, _) = qkv.gradBuffer(zeroed: true)
        kernel.backward(p, p + c, p + 2 * c, probs: probs.data, gradOut: g.data, dq: d, dk: d + c, dv: d + 2 * c)
    }
}
