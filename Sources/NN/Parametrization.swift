import Foundation
import RunSchema
import Tensor

/// The scaling rules of SP, μP and CompleteP for this GPT (the config choice is
/// `GPTConfig.parametrization`). With m_N = d_model/base_width and m_L = n_layer/base_depth:
///
/// | parameter (role)                         | init std                 | Adam lr   | weight decay | AdamW ε        |
/// |------------------------------------------|--------------------------|-----------|--------------|----------------|
/// | wte, wpe (input)                          | σ                        | η         | λ            | ε              |
/// | qkv, fc, experts' fc, shared fc (hidden)  | σ/√m_N                   | η/m_N     | λ·m_N ᶜ      | ε/(m_N·m_L) ᶜ  |
/// | attn/MLP/expert proj (hidden, residual)   | σ/√(2L)/√m_N, ᶜ √(2L_b)  | η/m_N     | λ·m_N ᶜ      | ε/(m_N·m_L) ᶜ  |
/// | MoE router (output-like, fan_out finite)  | σ/m_N                    | η/m_N     | λ·m_N ᶜ      | ε/m_L ᶜ        |
/// | block norms and biases                    | 1 / 0                    | η         | —            | ε/m_L ᶜ        |
/// | final norm, untied lm_head (output)       | 1 / σ                    | η         | λ            | ε              |
///
/// and in the forward: logits from lnf(x)·(1/m_N) (output multiplier), attention scores
/// scaled by √(d_head_b)/d_head instead of 1/√d_head, and under CompleteP each residual branch
/// multiplied by 1/m_L = L_b/L. ᶜ marks the CompleteP-only corrections; SP is every multiplier 1.
///
/// Where each rule comes from:
/// - Width (μP): Yang et al. 2022, "Tensor Programs V", Table 3 (the Adam columns): input
///   weights and all vector-like parameters keep init and lr; hidden weights get init variance
///   ∝ 1/fan_in and Adam lr ∝ 1/fan_in; output weights (finite fan_out) get init variance
///   ∝ 1/fan_in² and Adam lr ∝ 1/fan_in. For the unembedding we use the equivalent multiplier
///   form of its Table 8 / microsoft/mup's `MuReadout`: init and lr unchanged, logits × 1/m_N.
///   Attention 1/d_head: TP5 §4 / Appendix B ("attention logit scaling"); the constant
///   √(d_head_b) (mup's `attn_mult`) makes it equal SP's 1/√d_head at the proxy width, where
///   d_head_b = base_width/n_head: widening keeps the head count, as in TP5's GPT experiments
///   and EleutherAI's nanoGPT-mup.
/// - Depth (CompleteP): Dey et al. 2025, "Don't be lazy", Table 1 with α = 1: residual branch
///   multiplier m_L^{-α}; hidden-weight lr η·m_N^{-1}·m_L^{α-1} (= η/m_N at α = 1; the block
///   norms' and biases' m_L^{α-1} is likewise 1); hidden-weight decay λ·m_N (so the decoupled
///   decay η·λ of AdamW does not change with width); AdamW ε·m_N^{-1}·m_L^{-α} for hidden
///   weights — ε follows the size of the gradient it is added to, which the branch multiplier
///   scales by 1/m_L and the width by 1/m_N — and ε·m_L^{-α} for the block norms, biases and
///   router (inside a branch, no width factor). EleutherAI's nanoGPT-mup `completep` branch
///   implements the same multipliers (it has one ε for all groups and uses the hidden one).
///
/// Choices the papers leave open, and why:
/// - GPT-2 initialisation at the proxy size. SP initialises weights N(0, σ = init_std) and
///   residual projections σ/√(2·n_layer). μP divides hidden stds by √m_N and keeps the GPT-2
///   depth factor (nanoGPT-mup's μP keeps σ for the other weights too); CompleteP moves all the
///   depth dependence into the branch multiplier, so its residual projections keep the proxy's
///   σ/√(2·base_depth) at every depth. At base width and depth every rule is the identity and
///   the model, its first step and its init stream are bit-identical to SP's.
/// - Tied embeddings: wte is both the input embedding and (through the output multiplier in the
///   forward) the unembedding. It follows the input rule (init σ, lr η). This is what mup's
///   `MuSharedReadout` and nanoGPT-mup do, and it is consistent in both roles: an [V, d] matrix
///   has one width-sized dimension, which mup's infshape rule treats as vector-like (lr and init
///   unchanged), and the 1/m_N that Table 3 would put in the readout's init/lr is the forward
///   multiplier of the Table 8 form.
/// - MoE: the experts' stacked matrices are hidden (both dimensions scale with width). The
///   router [E, d] has a finite fan_out (E) and a width-sized fan_in: Table 3's output-weight
///   row (init σ/m_N, lr η/m_N) — logits near zero at init, Θ(1) updates — applied through
///   init and lr so the MoE forward is untouched. Shared experts are hidden MLPs.
/// - RoPE and SwiGLU change no rule: the rotation has no parameters and keeps q·k sizes; the
///   fused gate+up projection is one hidden matrix.
public struct ParametrizationRules: Sendable {
    public let kind: Parametrization
    /// m_N and m_L (both 1 under SP; m_L is 1 under μP).
    public let widthMultiplier: Float
    public let depthMultiplier: Float
    let initStd: Float, nLayer: Int, baseDepth: Int, headDim: Int, baseHeadDim: Float

    public init(_ config: GPTConfig) {
        kind = config.parametrization
        widthMultiplier = Float(config.widthMultiplier)
        depthMultiplier = Float(config.depthMultiplier)
        initStd = config.initStd
        nLayer = config.nLayer
        baseDepth = config.parametrization == .completep ? config.baseDepth ?? config.nLayer : config.nLayer
        headDim = config.headDim
        baseHeadDim = Float(config.baseWidth ?? config.dModel) / Float(max(config.nHead, 1))
    }

    /// What a parameter is to the scaling rules, from its state-dict name and kind.
    public enum Role: Sendable {
        case input, hidden, residualProjection, router, blockVector, vector, output
    }

    public static func role(of p: NamedParameter) -> Role {
        let inBlock = p.name.hasPrefix("blocks.")
        switch p.kind {
        case .embedding: return .input
        case .bias, .norm: return inBlock ? .blockVector : .vector
        case .weight:
            if p.name == "lm_head.weight" { return .output }
            if p.name.hasSuffix(".router.weight") { return .router }
            return p.name.hasSuffix(".proj.weight") ? .residualProjection : .hidden
        }
    }

    /// The init std of a weight (norm weights are 1 and biases 0 under every parametrisation).
    public func initStd(_ role: Role) -> Float {
        switch role {
        case .input, .output, .blockVector, .vector: return initStd
        case .hidden: return initStd / widthMultiplier.squareRoot()
        // The proxy's GPT-2 depth factor under CompleteP (the branch multiplier does the rest).
        case .residualProjection: return initStd / Foundation.sqrt(Float(2 * baseDepth)) / widthMultiplier.squareRoot()
        case .router: return initStd / widthMultiplier
        }
    }

    /// Multipliers of the optimizer's lr, weight decay and ε for one parameter.
    public func optimizerScale(_ p: NamedParameter) -> OptimizerScale {
        guard kind != .sp else { return .unit }
        let m = widthMultiplier, completeP = kind == .completep
        let l = depthMultiplier  // 1 under μP
        switch Self.role(of: p) {
        case .input, .vector, .output: return .unit
        case .hidden, .residualProjection:
            return OptimizerScale(lr: 1 / m, weightDecay: completeP ? m : 1, eps: completeP ? 1 / (m * l) : 1)
        case .router:
            return OptimizerScale(lr: 1 / m, weightDecay: completeP ? m : 1, eps: completeP ? 1 / l : 1)
        case .blockVector:
            return OptimizerScale(lr: 1, weightDecay: 1, eps: completeP ? 1 / l : 1)
        }
    }

    /// Logits multiplier 1/m_N (TP5 Table 8's output multiplier); nil when it is 1.
    public var outputMultiplier: Float? { widthMultiplier == 1 ? nil : 1 / widthMultiplier }

    /// Attention score scale: √(d_head_b)/d_head under μP/CompleteP (1/d_head scaling, equal to
    /// SP's 1/√d_head at the proxy width); nil = the kernel's default 1/√d_head.
    public var attentionScale: Float? {
        guard kind != .sp, baseHeadDim != Float(headDim) else { return nil }
        return baseHeadDim.squareRoot() / Float(headDim)
    }

    /// CompleteP's residual-branch multiplier m_L^{-1} = L_b/L; nil when it is 1.
    public var residualMultiplier: Float? { depthMultiplier == 1 ? nil : 1 / depthMultiplier }
}
