/// Mixture-of-experts settings (`model.moe`). Defaults follow the literature: Switch/GShard
/// load-balancing loss α = 1e-2, router z-loss β = 1e-3 (ST-MoE).
public struct MoEConfig: Codable, Equatable, Sendable {
    public enum Balancing: String, Codable, Sendable, CaseIterable {
        /// Switch/GShard auxiliary loss α·E·Σ fᵢ·Pᵢ.
        case auxLoss = "aux_loss"
        /// Auxiliary-loss-free balancing (DeepSeek-V3): a per-expert bias used for selection only,
        /// nudged by ±γ after each step towards uniform load.
        case bias
        case none
    }
    public enum Scoring: String, Codable, Sendable, CaseIterable { case softmax, sigmoid }

    public var numExperts: Int
    public var topK: Int
    /// Fine-grained experts: each expert is split into G narrower ones and top_k is multiplied by
    /// G, keeping active FLOPs constant.
    public var granularity = 1
    public var sharedExperts = 0
    /// Width of one routed expert; default d_ff / granularity.
    public var dExpert: Int?
    /// nil = dropless. Otherwise each expert takes at most ⌈factor·tokens·k/E⌉ (≤ tokens)
    /// assignments and the overflow is dropped (the residual passes those tokens through).
    public var capacityFactor: Double?
    public var auxLossCoef: Float = 1e-2
    public var zLossCoef: Float = 1e-3
    public var balancing: Balancing = .auxLoss
    public var routerScoring: Scoring = .softmax
    /// Renormalise the k selected gate weights to sum to 1.
    public var normalizeGates = true
    /// γ of the bias balancing.
    public var biasUpdateRate: Float = 1e-3
    /// MoE replaces the dense MLP in layers i with (i + 1) % every_n_layers == 0.
    public var everyNLayers = 1

    public init(numExperts: Int, topK: Int) {
        self.numExperts = numExperts
        self.topK = topK
    }

    /// Routed experts after the granularity split.
    public var routedExperts: Int { numExperts * granularity }
    /// Experts chosen per token after the granularity split.
    public var activeExperts: Int { topK * granularity }
    public func expertWidth(dFF: Int) -> Int { dExpert ?? dFF / max(granularity, 1) }
    public func isMoELayer(_ layer: Int) -> Bool { (layer + 1) % max(everyNLayers, 1) == 0 }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case numExperts = "num_experts", topK = "top_k", granularity, sharedExperts = "shared_experts"
        case dExpert = "d_expert", capacityFactor = "capacity_factor", auxLossCoef = "aux_loss_coef"
        case zLossCoef = "z_loss_coef", balancing, routerScoring = "router_scoring"
        case normalizeGates = "normalize_gates", biasUpdateRate = "bias_update_rate", everyNLayers = "every_n_layers"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        numExperts = try c.decode(Int.self, forKey: .numExperts)
        topK = try c.decode(Int.self, forKey: .topK)
        granularity = try c.decodeIfPresent(Int.self, forKey: .granularity) ?? granularity
        sharedExperts = try c.decodeIfPresent(Int.self, forKey: .sharedExperts) ?? sharedExperts
        dExpert = try c.decodeIfPresent(Int.self, forKey: .dExpert)
        capacityFactor = try c.decodeIfPresent(Double.self, forKey: .capacityFactor)
        auxLossCoef = try c.decodeIfPresent(Float.self, forKey: .auxLossCoef) ?? auxLossCoef
        zLossCoef = try c.decodeIfPresent(Float.self, forKey: .zLossCoef) ?? zLossCoef
        balancing = try c.decodeIfPresent(Balancing.self, forKey: .balancing) ?? balancing
        routerScoring = try c.decodeIfPresent(Scoring.self, forKey: .routerScoring) ?? routerScoring
        normalizeGates = try c.decodeIfPresent(Bool.self, forKey: .normalizeGates) ?? normalizeGates
        biasUpdateRate = try c.decodeIfPresent(Float.self, forKey: .biasUpdateRate) ?? biasUpdateRate
        everyNLayers = try c.decodeIfPresent(Int.self, forKey: .everyNLayers) ?? everyNLayers
    }

    func validate(dFF: Int, nLayer: Int) throws {
        func check(_ ok: Bool, _ field: String, _ message: String) throws {
            if !ok { throw ConfigError([field], message) }
        }
        try check(numExperts >= 1, "num_experts", "must be ≥ 1, got \(numExperts)")
        try check(topK >= 1 && topK <= numExperts, "top_k", "must be in 1...num_experts (\(numExperts)), got \(topK)")
        try check(granularity >= 1, "granularity", "must be ≥ 1, got \(granularity)")
        try check(dExpert != nil || dFF % granularity == 0, "granularity",
                  "\(granularity) does not divide d_ff = \(dFF) (set d_expert explicitly or pick a divisor)")
        try check(expertWidth(dFF: dFF) >= 1, "d_expert", "must be ≥ 1, got \(expertWidth(dFF: dFF))")
        try check(sharedExperts >= 0, "shared_experts", "must be ≥ 0, got \(sharedExperts)")
        if let capacityFactor { try check(capacityFactor > 0, "capacity_factor", "must be > 0 or null (dropless), got \(capacityFactor)") }
        try check(auxLossCoef >= 0, "aux_loss_coef", "must be ≥ 0, got \(auxLossCoef)")
        try check(zLossCoef >= 0, "z_loss_coef", "must be ≥ 0, got \(zLossCoef)")
        try check(everyNLayers >= 1 && everyNLayers <= nLayer, "every_n_layers", "must be in 1...n_layer (\(nLayer)), got \(everyNLayers)")
        try check(balancing != .bias || biasUpdateRate > 0, "bias_update_rate", "must be > 0 with balancing = bias")
    }
}
