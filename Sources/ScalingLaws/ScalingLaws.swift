/// ScalingLaws: fits scaling laws to tables of training runs and to loss curves, with bootstrap
/// intervals. It owns the optimiser (L-BFGS with a strong-Wolfe line search), the Huber loss,
/// multi-start and bootstrap machinery (parallel, deterministic), the law definitions
/// (Chinchilla Approaches 1–3, Kaplan, power law with offset, schedule-aware loss curves, MoE),
/// compute-optimal allocation, and the readers for results tables, sweep directories and
/// loss-curve files. Foundation only: it knows nothing of tensors, so a paper's table can be
/// fitted without training anything.
///
/// Entry points: `ChinchillaFit.fit`, `IsoFLOPFit.fit`, `EnvelopeFit.fit`, `KaplanFit.fit`,
/// `PowerLawFit.fit`, `ScheduleFit.fit`, `MoEFit.fit`; inputs from `ResultsTable` and
/// `LossCurveSet`. Every fit result is `Codable` (the `fit.json` of the CLI).
public enum ScalingLaws {
    /// Bumped when the JSON layout of fit results changes.
    public static let resultFormatVersion = 1
}
