import NN
import RunSchema

extension TrainConfig.OptimConfig {
    /// The `optim` section as AdamW's settings (the config type lives in RunSchema, which does
    /// not know the optimizer).
    public var hyperparameters: AdamW.Hyperparameters {
        var h = AdamW.Hyperparameters()
        h.beta1 = beta1; h.beta2 = beta2; h.eps = eps; h.weightDecay = weightDecay; h.decay = Set(decay)
        return h
    }
}
