/// # RunSchema
///
/// What a run and a sweep are on disk, Foundation only, so that every stage can read them
/// without linking the training stack (the sweep planner sizes runs without building a model;
/// the fitter and the plots read logs copied from anywhere):
///
/// - config types and their strict decoding: `TrainConfig` and its sections, `GPTConfig`,
///   `MoEConfig`, `ScheduleConfig`, the layer choices they name (`NormKind`, `ActivationKind`,
///   `ParameterKind`), `ConfigError` and `rejectUnknownKeys` (StrictDecoding.swift), the strict
///   JSON parser (JSONParsing.swift: positions, duplicate keys) and `JSONTreeDecoder` (every
///   problem a `ConfigError` naming the field), size and memory limits checked before anything
///   is allocated (ResourceLimits.swift: `MemoryEstimate`);
/// - the JSON tree configs are edited as (`JSONValue`: `--set` key paths, canonical printing for
///   run ids) and loading (`ConfigLoading`: overrides, the vocab fill from meta.json, messages
///   that name the file and field); file errors as `path: reason` (`FileErrors`);
/// - model accounting: parameters and FLOPs per token from a config (`ModelAccounting`);
/// - learning-rate schedule semantics (`LRSchedule`), shared by the trainer and the fitter;
/// - the run directory (`RunFiles`, `RunSummary`, an unreadable summary as its own state), the
///   one `metrics.jsonl` reader and writer (`MetricsFile`, `MetricsWriter`, with the policy for a
///   half-written last line), and the run-directory lock `train` and `sweep run` take (`RunLock`);
/// - the sweep directory (`SweepFiles`) and the results-table columns (`ResultsColumns`);
/// - small shared utilities: `SplitMix64`, `formatCount`, `formatDuration`, `compactNumber`.
