/// Parameter and FLOP accounting from a config alone (the sweep planner sizes runs without
/// building models; tests check the numbers against built models).
///
/// FLOP conventions, per training token (forward + backward = 3 × forward):
/// - `full`: 6·N_active_nonembed (every matmul weight, norm and bias of the blocks, incl. the
///   router) + 12·n_layer·T·d_model for attention (Chinchilla, Hoffmann et al. 2022 App. F:
///   QKᵀ and attention·V each cost 2·T·d_model per token forward; T = context length, no
///   discount for the causal mask) + 6·d_model·V for the unembedding (logits).
/// - `6N`: 6·N_active (all parameters, embeddings included: Chinchilla's C ≈ 6ND).
/// - `6N_nonembed`: 6·N_active_nonembed (Kaplan et al. 2020's C ≈ 6ND).
public struct ModelAccounting: Codable, Equatable, Sendable {
    public var totalParams: Int
    /// Token and position embeddings and an untied unembedding.
    public var embeddingParams: Int
    public var nonEmbeddingParams: Int { totalParams - embeddingParams }
    /// Parameters a token passes through (MoE: the router, its k experts and shared experts).
    public var activeParams: Int
    public var activeNonEmbeddingParams: Int { activeParams - embeddingParams }
    /// Routed expert parameters, in total and per token (0 for dense models).
    public var expertParams: Int
    public var activeExpertParams: Int
    public var attentionFlopsPerToken: Double
    public var unembeddingFlopsPerToken: Double

    /// 1 − active expert params / total expert params (0 for dense models).
    public var sparsity: Double {
        expertParams == 0 ? 0 : 1 - Double(activeExpertParams) / Double(expertParams)
    }

    public func flopsPerToken(_ convention: GPTConfig.FlopAccounting) -> Double {
        switch convention {
        case .full: 6 * Double(activeNonEmbeddingParams) + attentionFlopsPerToken + unembeddingFlopsPerToken
        case .sixN: 6 * Double(activeParams)
        case .sixNNonEmbedding: 6 * Double(activeNonEmbeddingParams)
        }
    }
}

extension GPTConfig {
    public var accounting: ModelAccounting {
        let d = dModel, v = vocabSize, t = contextLength
        let normParams = norm == .layernorm && bias ? 2 * d : d
        func linear(_ i: Int, _ o: Int, bias b: Bool) -> Int { i * o + (b ? o : 0) }
        func mlp(width w: Int) -> Int {
            linear(d, activation == .swiglu ? 2 * w : w, bias: bias) + linear(w, d, bias: bias)
        }
        let attention = linear(d, 3 * d, bias: bias) + linear(d, d, bias: bias)
        var total = 0, active = 0, experts = 0, activeExperts = 0
        for layer in 0..<nLayer {
            let shared = 2 * normParams + attention
            total += shared; active += shared
            if let moe, moe.isMoELayer(layer) {
                let w = moe.expertWidth(dFF: feedForwardWidth)
                let router = d * moe.routedExperts
                let one = mlp(width: w)
                let sharedExperts = moe.sharedExperts > 0 ? mlp(width: moe.sharedExperts * w) : 0
                total += router + moe.routedExperts * one + sharedExperts
                active += router + moe.activeExperts * one + sharedExperts
                experts += moe.routedExperts * one
                activeExperts += moe.activeExperts * one
            } else {
                let dense = mlp(width: feedForwardWidth)
                total += dense; active += dense
            }
        }
        total += normParams; active += normParams  // final norm
        let embedding = v * d + (positional == .learned ? t * d : 0) + (tieEmbeddings ? 0 : v * d)
        total += embedding; active += embedding
        return ModelAccounting(totalParams: total, embeddingParams: embedding, activeParams: active,
                               expertParams: experts, activeExpertParams: activeExperts,
                               attentionFlopsPerToken: 12 * Double(nLayer * t * d),
                               unembeddingFlopsPerToken: 6 * Double(d * v))
    }

    /// Training FLOPs per token under this config's `flop_accounting`.
    public var flopsPerToken: Double { accounting.flopsPerToken(flopAccounting) }
}
