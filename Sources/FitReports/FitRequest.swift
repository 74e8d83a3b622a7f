import Foundation
import ScalingLaws

/// The laws a fit report knows.
public enum FitLaw: String, CaseIterable, Sendable {
    case chinchilla, isoflop, envelope, kaplan, power, schedule, moe, farseer

    /// "chinchilla|isoflop|…", for help texts.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: "|") }

    /// The chart `windtunnel plot fit` draws: the diagnostics, or for schedule laws the curves.
    public var diagnosticChart: FitChart { self == .schedule ? .curves : .fit }

    /// The laws whose fit.json `windtunnel predict` reads and that `--holdout` validates.
    public var predicts: Bool { [.chinchilla, .farseer, .kaplan, .isoflop].contains(self) }
    /// The laws that read loss curves (a long-format CSV or run directories), not a results table.
    var readsCurves: Bool { self == .envelope || self == .schedule }
    /// The laws `--fix` applies to (their parameters are optimiser coordinates).
    public var fixable: Bool { self == .chinchilla || self == .farseer || self == .schedule }
}

/// What to fit and how: the options of `windtunnel fit`, parsed and range-checked by the caller.
/// Options of other laws are ignored (a chinchilla fit reads no window).
public struct FitRequest: Sendable {
    public var law: FitLaw
    /// Results-table CSV, long-format curves CSV or sweep directory; recorded in fit.json as given.
    public var input: String
    /// Column names of the input; `columns.loss` nil picks val_loss when it has values, else loss
    /// (curves: loss).
    public var columns = ColumnNames()
    /// Bootstrap resamples for 95% intervals; nil: the law's default (1000, moe 200, schedule 0).
    public var bootstrap: Int?
    /// Bootstrap seed.
    public var seed: UInt64 = 0
    /// Worker threads; nil: all cores.
    public var threads: Int?
    /// Fit every run row of a tuned or seeded sweep (default: the best row, or seed mean, per point;
    /// see `RowSelection`).
    public var allRows = false
    /// chinchilla, isoflop, envelope: FLOP budgets at which to report the compute-optimal allocation.
    public var budgets: [Double] = []

    /// chinchilla: one exponent (α = β).
    public var sharedExponent = false
    /// isoflop: the sizes each budget's parabola is fitted to.
    public var window = IsoFLOPWindow.nearest(5)
    /// isoflop: keep budgets whose lowest loss is at the smallest or largest size.
    public var keepEdgeBudgets = false
    /// power: the x column (required) and the y column (nil: the loss column).
    public var xColumn: String?
    public var yColumn: String?
    /// power: fit y = E + A·x^−α (false: without E).
    public var offset = true
    /// schedule: the law, and which runs to fit and which to predict, by run id or schedule name
    /// (nil: fit every run not predicted).
    public var scheduleLaw = ScheduleLawKind.multiPower
    public var fitRuns: Set<String>?
    public var predictRuns: Set<String>?
    public var fitSchedules: Set<String>?
    public var predictSchedules: Set<String>?
    /// moe: Clark's Ê.
    public var expertTransform = ExpertTransform.plain
    /// chinchilla, farseer, schedule: parameters held at given values (`--fix E=1.7`).
    public var fixed: [ParameterFix] = []
    /// chinchilla, farseer, kaplan, isoflop: rows left out of the fit and predicted (`--holdout`).
    public var holdout: HoldoutRule?
    /// The command that asked for this fit, as the user typed it: report.md's first line.
    public var commandLine: String?

    public init(law: FitLaw, input: String) {
        self.law = law
        self.input = input
    }

    func resamples(default value: Int) -> BootstrapOptions {
        BootstrapOptions(resamples: bootstrap ?? value, seed: seed)
    }
}
