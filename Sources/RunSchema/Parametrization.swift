/// How a GPT's initialisation, forward multipliers and per-parameter optimizer settings scale
/// with width and depth (`model.parametrization`). The rules themselves live in NN
/// (Parametrization.swift); here is only the config choice, so a config can be read and
/// validated without linking the model.
public enum Parametrization: String, Codable, Sendable, CaseIterable {
    /// Standard parametrisation: GPT-2 initialisation, one learning rate for every parameter.
    case sp
    /// Maximal-update parametrisation (Yang et al. 2022, Tensor Programs V): tuned
    /// hyperparameters transfer across width relative to the proxy `base_width`.
    case mup
    /// CompleteP (Dey et al. 2025, α = 1): μP plus the depth rules, so they also transfer
    /// across depth relative to the proxy `base_depth`.
    case completep
}

extension GPTConfig {
    /// d_model / base_width: 1 under SP (which ignores the bases) and at the proxy's width.
    public var widthMultiplier: Double {
        guard parametrization != .sp, let baseWidth else { return 1 }
        return Double(dModel) / Double(baseWidth)
    }

    /// n_layer / base_depth under CompleteP; 1 otherwise (μP does not scale with depth).
    public var depthMultiplier: Double {
        guard parametrization == .completep, let baseDepth else { return 1 }
        return Double(nLayer) / Double(baseDepth)
    }

    /// The `parametrization`, `base_width` and `base_depth` fields: μP and CompleteP need both
    /// bases (the proxy's d_model and n_layer), positive. SP ignores them, so one config can be
    /// trained under every parametrisation by `--set model.parametrization=…`.
    func validateParametrization() throws {
        if let baseWidth, baseWidth <= 0 { throw ConfigError(["base_width"], "must be positive, got \(baseWidth)") }
        if let baseDepth, baseDepth <= 0 { throw ConfigError(["base_depth"], "must be positive, got \(baseDepth)") }
        guard parametrization != .sp else { return }
        if baseWidth == nil {
            throw ConfigError(["base_width"], "\(parametrization.rawValue) needs base_width (the d_model of the proxy model its hyperparameters were tuned on)")
        }
        if baseDepth == nil {
            throw ConfigError(["base_depth"], "\(parametrization.rawValue) needs base_depth (the n_layer of the proxy model its hyperparameters were tuned on)")
        }
    }
}
