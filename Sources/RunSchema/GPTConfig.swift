import Foundation

/// The shape of a GPT (the `model` section of a train config). Defaults follow GPT-2 / nanoGPT.
public struct GPTConfig: Codable, Equatable, Sendable {
    public enum Positional: String, Codable, Sendable, CaseIterable { case learned, rope }
    public enum FlopAccounting: String, Codable, Sendable, CaseIterable {
        /// 6·N_nonembed + attention (12·L·T·d) + unembedding (6·d·V): see `ModelAccounting`.
        case full
        /// 6·N with N = all parameters (Chinchilla's C = 6ND).
        case sixN = "6N"
        /// 6·N with N = non-embedding parameters (Kaplan's C = 6ND).
        case sixNNonEmbedding = "6N_nonembed"
    }

    public var vocabSize: Int
    public var contextLength: Int
    public var dModel: Int
    public var nLayer: Int
    public var nHead: Int
    /// Hidden width of the feed-forward block; default 4·d_model (GELU) or the multiple of 8
    /// nearest 8/3·d_model (SwiGLU, which keeps the parameter count of the 4x GELU MLP).
    public var dFF: Int?
    public var norm: NormKind = .layernorm
    public var positional: Positional = .learned
    public var activation: ActivationKind = .gelu
    public var tieEmbeddings = true
    public var dropout: Float = 0
    public var bias = true
    public var initStd: Float = 0.02
    public var ropeBase: Float = 10_000
    public var flopAccounting: FlopAccounting = .full
    /// Mixture-of-experts feed-forward blocks; nil = dense.
    public var moe: MoEConfig?
    /// SP (default), μP or CompleteP; the latter two scale relative to the proxy's d_model
    /// (`base_width`) and n_layer (`base_depth`). See Parametrization.swift.
    public var parametrization: Parametrization = .sp
    public var baseWidth: Int?
    public var baseDepth: Int?

    public init(vocabSize: Int, contextLength: Int, dModel: Int, nLayer: Int, nHead: Int, dFF: Int? = nil) {
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.dModel = dModel
        self.nLayer = nLayer
        self.nHead = nHead
        self.dFF = dFF
    }

    public var feedForwardWidth: Int {
        if let dFF { return dFF }
        if activation == .swiglu { return max(8, Int((Double(8 * dModel) / 3 / 8).rounded()) * 8) }
        return 4 * dModel
    }

    public var headDim: Int { dModel / max(nHead, 1) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case vocabSize = "vocab_size", contextLength = "context_length", dModel = "d_model"
        case nLayer = "n_layer", nHead = "n_head", dFF = "d_ff", norm, positional, activation
        case tieEmbeddings = "tie_embeddings", dropout, bias, initStd = "init_std", ropeBase = "rope_base"
        case flopAccounting = "flop_accounting", moe
        case parametrization, baseWidth = "base_width", baseDepth = "base_depth"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        contextLength = try c.decode(Int.self, forKey: .contextLength)
        dModel = try c.decode(Int.self, forKey: .dModel)
        nLayer = try c.decode(Int.self, forKey: .nLayer)
        nHead = try c.decode(Int.self, forKey: .nHead)
        dFF = try c.decodeIfPresent(Int.self, forKey: .dFF)
        norm = try c.decodeIfPresent(NormKind.self, forKey: .norm) ?? norm
        positional = try c.decodeIfPresent(Positional.self, forKey: .positional) ?? positional
        activation = try c.decodeIfPresent(ActivationKind.self, forKey: .activation) ?? activation
        tieEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieEmbeddings) ?? tieEmbeddings
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? dropout
        bias = try c.decodeIfPresent(Bool.self, forKey: .bias) ?? bias
        initStd = try c.decodeIfPresent(Float.self, forKey: .initStd) ?? initStd
        ropeBase = try c.decodeIfPresent(Float.self, forKey: .ropeBase) ?? ropeBase
        flopAccounting = try c.decodeIfPresent(FlopAccounting.self, forKey: .flopAccounting) ?? flopAccounting
        moe = try c.decodeIfPresent(MoEConfig.self, forKey: .moe)
        parametrization = try c.decodeIfPresent(Parametrization.self, forKey: .parametrization) ?? parametrization
        baseWidth = try c.decodeIfPresent(Int.self, forKey: .baseWidth)
        baseDepth = try c.decodeIfPresent(Int.self, forKey: .baseDepth)
    }

    /// Impossible values, each named by its field.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ message: String) throws {
            if !ok { throw ConfigError([field], message) }
        }
        try check(vocabSize > 0 && vocabSize <= 65_536, "vocab_size", "must be in 1...65536 (token files are uint16), got \(vocabSize)")
        try check(contextLength > 0, "context_length", "must be positive, got \(contextLength)")
        try check(dModel > 0, "d_model", "must be positive, got \(dModel)")
        try check(nLayer > 0, "n_layer", "must be positive, got \(nLayer)")
        try check(nHead > 0, "n_head", "must be positive, got \(nHead)")
        try checkFieldLimits()
        try check(dModel % nHead == 0, "d_model", "\(dModel) is not divisible by n_head = \(nHead)")
        try check(positional != .rope || headDim % 2 == 0, "positional", "rope needs an even head dimension (d_model/n_head = \(headDim))")
        try check(feedForwardWidth > 0, "d_ff", "must be positive, got \(feedForwardWidth)")
        try check(dropout >= 0 && dropout < 1, "dropout", "must be in [0, 1), got \(dropout)")
        try check(initStd > 0, "init_std", "must be positive, got \(initStd)")
        try validateParametrization()
        if let moe {
            do { try moe.validate(dFF: feedForwardWidth, nLayer: nLayer) } catch let e as ConfigError { throw e.nested(under: "moe") }
        }
        try checkParameterLimit()
    }
}
