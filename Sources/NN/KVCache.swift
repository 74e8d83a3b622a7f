/// Incremental inference with a key/value cache (what `windtunnel sample` generates with).
///
/// The training forward (GPT.swift) recomputes attention over the whole window for every new
/// token, so generating n tokens costs O(n²) projections. Here each block keeps the keys and
/// values of the tokens seen so far; a call appends new tokens at the next positions and only
/// they go through the projections, MLPs and unembedding, so a token costs O(d²) plus O(position·d)
/// of attention. Every weight, norm, multiplier (μP's output multiplier and attention scale,
/// CompleteP's branch multiplier), RoPE rotation and MoE routing is the training forward's own:
/// the blocks' modules are called as they are, and only the attention core differs (it reads
/// keys/values from the cache instead of from the same call). Tests check that the logits equal
/// the full forward's at every position.
///
/// An MoE layer with a `capacity_factor` drops tokens per forward batch; incremental decoding
/// routes one token at a time and never drops, so it matches the full forward only when that drops
/// nothing (always for dropless MoE, the default).
import Foundation
import RunSchema
import Tensor

/// Keys and values of every block for one sequence, up to the model's context length.
public final class KVCache {
    public let capacity: Int
    /// Tokens cached (the position the next token gets).
    public internal(set) var length = 0
    let heads: Int, headDim: Int
    /// Per block, [heads, capacity, headDim]: a head's keys are contiguous rows, ready for BLAS.
    let keys: [Tensor], values: [Tensor]

    init(layers: Int, heads: Int, headDim: Int, capacity: Int) {
        self.capacity = capacity
        self.heads = heads
        self.headDim = headDim
        keys = (0..<layers).map { _ in .zeros([heads, capacity, headDim]) }
        values = (0..<layers).map { _ in .zeros([heads, capacity, headDim]) }
    }

    /// Forgets every token (the buffers are kept).
    public func reset() { length = 0 }
}

extension GPT {
    /// An empty cache for this model (room for `context_length` tokens).
    public func makeCache() -> KVCache {
        KVCache(layers: config.nLayer, heads: config.nHead, headDim: config.headDim, capacity: config.contextLength)
    }

    /// Appends `ids` to the sequence in `cache` and returns their logits [ids.count, V]: row i is
    /// the distribution of the token after ids[i], given everything cached before it. The cache
    /// must have room (length + ids.count ≤ context_length). Eval mode, no gradients.
    public func logits(appending ids: [Int32], cache: KVCache) -> Tensor {
        let n = ids.count, start = cache.length
        precondition(n > 0, "GPT.logits(appending:): no tokens")
        precondition(start + n <= cache.capacity, "GPT.logits(appending:): \(start) cached + \(n) new tokens exceed the context of \(cache.capacity)")
        return Tensor.noGrad {
            var x = wte(Indices(shape: [1, n], values: ids))
            if let wpe { x = x + wpe(Indices(shape: [n], values: (start..<start + n).map { Int32($0) })) }
            var context = ForwardContext(training: false)
            for (layer, block) in blocks.enumerated() {
                var a = block.attn.cached(block.ln1(x), keys: cache.keys[layer], values: cache.values[layer], start: start)
                if let r = block.residualMultiplier { a = a * r }
                let h = x + a
                var f = block.ffn.forward(block.ln2(h), context: &context)
                if let r = block.residualMultiplier { f = f * r }
                x = h + f
            }
            cache.length = start + n
            x = lnf(x)
            if let m = parametrization.outputMultiplier { x = x * m }
            return x.linear(weight: lmHead?.weight ?? wte.weight, bias: nil).reshaped([n, config.vocabSize])
        }
    }
}

extension CausalSelfAttention {
    /// Attention of `x` [1, n, C] (tokens at positions start..<start+n) over the cached keys and
    /// values of positions 0..<start plus its own, which it writes into the cache.
    func cached(_ x: Tensor, keys: Tensor, values: Tensor, start: Int) -> Tensor {
        var qkv = qkv(x)
        if let rotary { qkv = rotaryEmbedding(qkv: qkv, heads: heads, table: rotary, startPosition: start) }
        let n = x.shape[1], c = x.shape[2], dh = c / heads, capacity = keys.shape[1]
        let total = start + n
        let q = qkv.data, kc = keys.data, vc = values.data
        // The new tokens' keys and values into the cache, head by head.
        for t in 0..<n {
            let row = q + t * 3 * c
            for h in 0..<heads {
                (kc + (h * capacity + start + t) * dh).update(from: row + c + h * dh, count: dh)
                (vc + (h * capacity + start + t) * dh).update(from: row + 2 * c + h * dh, count: dh)
            }
        }
        let out = Tensor(uninitialized: [1, n, c])
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: n * total)
        defer { scores.deallocate() }
        let s = scale ?? 1 / Foundation.sqrt(Float(dh))
        for h in 0..<heads {
            let kh = kc + h * capacity * dh, vh = vc + h * capacity * dh
            // S = s·Q_h·K_hᵀ: [n, total]; Q_h rows are strided by 3C in the fused projection.
            BLAS.sgemm(transA: false, transB: true, m: n, n: total, k: dh, alpha: s,
                       a: q + h * dh, lda: 3 * c, b: kh, ldb: dh, c: scores, ldc: total)
            for i in 0..<n {
                // Causal: token i (position start+i) sees keys 0...start+i.
                let row = scores + i * total, valid = start + i + 1
                var m = -Float.infinity
                for j in 0..<valid { m = Swift.max(m, row[j]) }
                var sum: Float = 0
                for j in 0..<valid { row[j] = Foundation.exp(row[j] - m); sum += row[j] }
                let inv = 1 / sum
                for j in 0..<valid { row[j] *= inv }
                for j in valid..<total { row[j] = 0 }
            }
            // O_h = P·V_h, written into head h's columns of the output rows.
            BLAS.sgemm(transA: false, transB: false, m: n, n: dh, k: total,
                       a: scores, lda: total, b: vh, ldb: dh, c: out.data + h * dh, ldc: c)
        }
        return proj(out)
    }
}
