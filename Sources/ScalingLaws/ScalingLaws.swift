/// ScalingLaws: fits scaling laws to tables of training runs and to loss curves, with bootstrap
/// intervals. Foundation plus RunSchema (the run and sweep file layout, the metrics.jsonl reader,
/// schedule semantics): it knows nothing of tensors, so a paper's table can be fitted without
/// training anything.
///
/// What lives here:
/// - Numerics: `FitProgress` (stderr progress of long fits, when the CLI installs it), L-BFGS with a strong-Wolfe line search (tolerances relative to f itself, never
///   to max(|f|, 1), so a ~1e-3 Huber objective is not stopped at its start), Huber loss,
///   Levenberg–Marquardt (polishing least-squares laws with correlated parameters), multi-start
///   grids screened in parallel, and the bootstrap (rows resampled with replacement, each
///   replicate on its own seeded stream, results combined in replicate order: the same answer
///   for any thread count; threads default to all active cores).
/// - Laws (entry points): `ChinchillaFit` (Approach 3, as Besiroglu et al. 2024, plus the
///   shared-exponent form and compute-optimal allocation), `IsoFLOPFit` (Approach 2),
///   `EnvelopeFit` (Approach 1), `KaplanFit`, `FarseerFit` (Li et al. 2025, the data exponent
///   depending on N), `PowerLawFit`, `ScheduleFit` (multi-power and annealing loss-curve laws),
///   `MoEFit` (Clark et al. and Chinchilla with a sparsity term).
/// - Prediction: `LawPredictor` (Predictor.swift), what fit.json keeps of a chinchilla, farseer,
///   kaplan or isoflop fit (point estimate and every bootstrap draw) so a prediction at (N, D)
///   or at a budget C gets its interval without refitting; `NumericAllocation` for laws without
///   a closed-form compute-optimal allocation; `ComputeAccounting` (the table's C over 6ND).
/// - Fixed parameters: `ParameterFix` and `FixedCoordinates` (Numerics), which take a parameter
///   out of the optimiser's coordinates so it is neither fitted nor bootstrapped.
/// - Inputs: `CSVTable` (own reader: quotes, empty cells), `ResultsTable` (results-table layout
///   of DESIGN.md, configurable column names), `LossCurveSet` (sweep directories with
///   runs/<id>/metrics.jsonl, or long-format curve CSVs), `RowSelection` (the rows of a tuned or
///   seeded sweep a law fits: the best row or seed mean per point, and the seed noise).
///
/// Bootstrap cost: nonlinear laws run their full grid once for the point estimate; each refit
/// then starts from the best full-data solution, the other distinct local minima the grid found
/// within 1.5× of the best objective, and a Gaussian perturbation of the best. Every result is
/// `Encodable` (the CLI's fit.json) and keeps what a plot needs (per-budget points and parabolas,
/// envelope points, frontier power laws with bootstrap samples and `band(at:)`).
public enum ScalingLaws {
    /// Bumped when the JSON layout of fit results changes. 2: `predictor` (what `predict` reads),
    /// `holdout`, `guardrails`, `command`.
    public static let resultFormatVersion = 2
}
