import Foundation

/// The sweep directory: `runs/<id>/` per run (a run directory, see `RunFiles`, plus the sweep's
/// `status.json`, `train.log` and `lock`), `results.csv` (columns: `ResultsColumns`), and
/// `slurm/` for batch scripts and their logs. The fitter and the plots read `results.csv` and
/// `runs/<id>/metrics.jsonl`.
public struct SweepFiles: Sendable {
    /// The results table's file name in a sweep directory.
    public static let resultsFileName = "results.csv"

    public let directory: URL

    public init(_ directory: URL) { self.directory = directory }

    public var runsDirectory: URL { directory.appendingPathComponent("runs") }
    public var resultsCSV: URL { directory.appendingPathComponent(Self.resultsFileName) }
    public var slurmDirectory: URL { directory.appendingPathComponent("slurm") }
    public func runDirectory(_ id: String) -> URL { runsDirectory.appendingPathComponent(id) }
    public func files(_ id: String) -> RunFiles { RunFiles(runDirectory(id)) }
    public func statusFile(_ id: String) -> URL { runDirectory(id).appendingPathComponent("status.json") }
    public func lockFile(_ id: String) -> URL { runDirectory(id).appendingPathComponent("lock") }
    public func logFile(_ id: String) -> URL { runDirectory(id).appendingPathComponent("train.log") }

    /// The ids of the directories under `runs/` (sorted; hidden entries left out), nil when
    /// there is no `runs/` directory.
    public func runIDs() -> [String]? {
        (try? FileManager.default.contentsOfDirectory(atPath: runsDirectory.path))?.filter { !$0.hasPrefix(".") }.sorted()
    }
}

/// The results table's columns (DESIGN.md), in the order `results.csv` writes them. The first
/// thirteen are the fitter's contract; a table written by hand needs only the ones a law uses.
public enum ResultsColumns {
    public static let runID = "run_id"
    /// Total parameters.
    public static let n = "N"
    public static let nActive = "N_active"
    /// Tokens seen.
    public static let d = "D"
    /// Training FLOPs under the run's `flop_accounting`.
    public static let c = "C"
    public static let loss = "loss"
    public static let valLoss = "val_loss"
    /// The standard error of `val_loss` (summary.json's `final_val_loss_se`).
    public static let valLossSE = "val_loss_se"
    /// `val_loss` in bits per byte of the val text (summary.json's `final_val_bpb`): comparable
    /// across vocabularies, unlike nats per token; empty when the data has no tokenizer
    /// (no meta.json) or the summary predates it.
    public static let valBpb = "val_bpb"
    public static let schedule = "schedule"
    public static let experts = "experts"
    /// The FLOP budget an isoFLOP run was sized from.
    public static let isoflopBudget = "isoflop_budget"
    /// `run` (one training run) or `mean` (the seed mean of a seed group: the runs of a point
    /// that differ only in the seed).
    public static let kind = "kind"
    /// The point a row belongs to (same config except the tuned keys and the seed); empty
    /// without tune/seeds.
    public static let point = "point"
    /// 1 on the best rows of a point (lowest val_loss, of the seed means with seeds), 0 on the
    /// others; empty without tune.
    public static let tuned = "tuned"
    /// On a best row: where its tuned value sits in the tuned grid (`low`, `high`; with several
    /// keys `key:low;key:high`); empty when inside.
    public static let tuneEdge = "tune_edge"
    /// Sample standard deviation (n − 1) of val_loss over a seed group's runs (mean rows).
    public static let valLossStd = "val_loss_std"
    /// Seeds averaged in a mean row.
    public static let nSeeds = "n_seeds"
    /// `model.parametrization` (sp, mup, completep): runs of one width differ by it in an
    /// LR-transfer sweep.
    public static let parametrization = "parametrization"
    /// Tokens trained over the training tokens an epoch covers (summary.json's `epochs`: the
    /// split, or `data.train_subset_tokens` of it); empty for runs whose summary predates it.
    public static let epochs = "epochs"
    /// `schedule.decay_shape` of WSD runs (1-sqrt, linear, cosine): branches of several shapes
    /// share a stable run; empty for other schedules.
    public static let decayShape = "decay_shape"
    /// A WSD branch's stable run (the run it continues from its checkpoint); empty otherwise.
    public static let branchOf = "branch_of"
    /// Model FLOP utilisation of the run (summary.json's `mfu`); empty for older summaries.
    public static let mfu = "mfu"
    /// `model.vocab_size`: runs on different tokenizations of one corpus differ by it.
    public static let vocabSize = "vocab_size"

    public static let all = [
        runID, n, "N_nonembed", nActive, d, c, loss, valLoss, schedule, experts, "top_k",
        "d_model", "n_layer", "status", "role", branchOf, isoflopBudget, "tokens_per_param", "lr", "seed",
        "steps", "n_head", "context_length", "N_active_nonembed", valLossSE, valBpb, "best_val_loss", "flop_accounting", "wall_time_s",
        epochs, parametrization, decayShape, mfu, vocabSize, kind, point, tuned, tuneEdge, valLossStd, nSeeds,
    ]
}
