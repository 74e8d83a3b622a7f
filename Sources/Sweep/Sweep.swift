/// # Sweep
///
/// Scaling sweeps over train configs. A JSON spec (`SweepSpec`) names a base config, a grid of
/// variants and optionally isoFLOP budgets or WSD cooldown branches; `SweepPlanner` expands it
/// into `PlannedRun`s with stable ids (readable prefix + hash of the resolved config), validating
/// every config first; `tune` and `seeds` expand each point into runs (SweepPoints.swift) whose
/// results get seed means and tuned marks (TunedResults.swift). `LocalExecutor` runs them as `windtunnel train` child processes with
/// per-run locks, resume, fault records and signal forwarding; `SlurmScripts` writes (and
/// submits) array jobs that do the same per run; `Results` reads the run directories into the
/// results table the fitter consumes. The sweep directory's layout (`SweepFiles`: `results.csv`,
/// `runs/<id>/…`), the results-table columns and the config types come from RunSchema; this
/// module adds what the sweep itself records there (`status.json`, run states, and the repair of
/// records a dead sweep left `running`).
///
/// Sweep knows configs, not training: it depends on RunSchema only and never builds a model (the
/// CLI passes a throughput probe in for time estimates).
