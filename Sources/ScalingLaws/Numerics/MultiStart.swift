import Foundation
import RunSchema

/// The outcome of minimising one objective from many starts.
public struct MultiStartResult: Sendable {
    public var best: LBFGSResult
    public var bestStartIndex: Int
    /// Every run, in start order.
    public var runs: [LBFGSResult]

    /// Up to `count` distinct local minima (best first): runs whose objective is within
    /// `withinFactor` of the best and whose parameters differ from every better one by more than
    /// `tolerance` (relative, ∞-norm). Bootstrap refits start from these.
    public func distinctMinima(count: Int, withinFactor: Double = 1.5, tolerance: Double = 1e-2) -> [[Double]] {
        let limit = best.value * withinFactor
        let ordered = runs.indices
            .filter { runs[$0].value.isFinite && runs[$0].value <= limit }
            .sorted { (runs[$0].value, $0) < (runs[$1].value, $1) }
        var chosen: [[Double]] = []
        for index in ordered {
            let x = runs[index].x
            let isNew = chosen.allSatisfy { other in
                zip(x, other).contains { abs($0 - $1) > tolerance * (1 + abs($1)) }
            }
            if isNew { chosen.append(x) }
            if chosen.count >= count { break }
        }
        return chosen
    }
}

/// Minimises `objective` from each start (in parallel) and keeps the lowest value; ties go to
/// the earlier start, so the answer does not depend on the thread count.
public func minimizeFromStarts<O: DifferentiableObjective & Sendable>(
    _ objective: O, starts: [[Double]], options: LBFGSOptions = LBFGSOptions(), threads: Int
) -> MultiStartResult {
    precondition(!starts.isEmpty, "no starts")
    let runs = parallelMap(starts.count, threads: threads) { index in
        minimizeLBFGS(objective, from: starts[index], options: options)
    }
    return MultiStartResult(best: runs[bestIndex(runs)], bestStartIndex: bestIndex(runs), runs: runs)
}

/// Multi-start in two phases: every start runs at most `screeningIterations` L-BFGS iterations,
/// then the `polishCount` lowest runs continue to full convergence. On the Chinchilla grid this
/// halves the work and returns the same optimum (to ~1e-15 in the objective) as running every
/// start to convergence: most starts end in a few poor basins long before their cap matters.
/// nil `screeningIterations` runs every start to convergence.
public func minimizeFromStarts<O: DifferentiableObjective & Sendable>(
    _ objective: O, starts: [[Double]], screeningIterations: Int?, polishCount: Int = 20,
    options: LBFGSOptions = LBFGSOptions(), threads: Int
) -> MultiStartResult {
    guard let screeningIterations else {
        return minimizeFromStarts(objective, starts: starts, options: options, threads: threads)
    }
    var screening = options
    screening.maxIterations = min(options.maxIterations, screeningIterations)
    let screeningOptions = screening
    var runs = parallelMap(starts.count, threads: threads) { index in
        minimizeLBFGS(objective, from: starts[index], options: screeningOptions)
    }
    let candidates = runs.indices
        .filter { runs[$0].value.isFinite && runs[$0].termination == .maxIterations }
        .sorted { (runs[$0].value, $0) < (runs[$1].value, $1) }
        .prefix(polishCount)
    let chosen = Array(candidates)
    let screened = runs
    let polished = parallelMap(chosen.count, threads: threads) { k in
        let first = screened[chosen[k]]
        var more = minimizeLBFGS(objective, from: first.x, options: options)
        more.iterations += first.iterations
        more.evaluations += first.evaluations
        return more
    }
    for (k, index) in chosen.enumerated() where polished[k].value <= runs[index].value { runs[index] = polished[k] }
    let best = bestIndex(runs)
    return MultiStartResult(best: runs[best], bestStartIndex: best, runs: runs)
}

/// Sequential version for use inside an already-parallel loop (bootstrap replicates).
func minimizeFromStartsSerial<O: DifferentiableObjective>(
    _ objective: O, starts: [[Double]], options: LBFGSOptions
) -> LBFGSResult {
    let runs = starts.map { minimizeLBFGS(objective, from: $0, options: options) }
    return runs[bestIndex(runs)]
}

func bestIndex(_ runs: [LBFGSResult]) -> Int {
    var best = 0
    for i in runs.indices {
        let v = runs[i].value, b = runs[best].value
        if v.isFinite && (!b.isFinite || v < b) { best = i }
    }
    return best
}

/// Cartesian product of value lists, first list varying slowest.
func gridProduct(_ axes: [[Double]]) -> [[Double]] {
    var points: [[Double]] = [[]]
    for axis in axes {
        var next: [[Double]] = []
        next.reserveCapacity(points.count * axis.count)
        for prefix in points { for v in axis { next.append(prefix + [v]) } }
        points = next
    }
    return points
}

/// How to run a bootstrap: `resamples` replicates from generator streams of `seed`.
public struct BootstrapOptions: Sendable, Equatable {
    public var resamples: Int
    public var seed: UInt64
    public init(resamples: Int, seed: UInt64 = 0) {
        self.resamples = resamples
        self.seed = seed
    }
}

/// Runs `body` once per replicate, in parallel, each with its own generator (stream = replicate
/// index), and returns the results in replicate order. A nil result is a failed refit.
func runBootstrap<T>(_ options: BootstrapOptions, threads: Int,
                     _ body: @escaping @Sendable (Int, inout SplitMix64) -> T?) -> [T?] {
    guard options.resamples > 0 else { return [] }
    let progress = FitProgress.shared.begin("bootstrap refits", total: options.resamples)
    return parallelMap(options.resamples, threads: threads) { replicate in
        var rng = SplitMix64(seed: options.seed, stream: UInt64(replicate))
        defer { FitProgress.shared.advance(progress) }
        return body(replicate, &rng)
    }
}

/// Counts of each of `n` rows in a resample of size n drawn with replacement.
func resampleCounts(_ n: Int, _ rng: inout SplitMix64) -> [Double] {
    var counts = Array(repeating: 0.0, count: n)
    for _ in 0..<n { counts[Int(rng.next() % UInt64(n))] += 1 }
    return counts
}

/// Indices of a resample of size n drawn with replacement, in draw order.
func resampleIndices(_ n: Int, _ rng: inout SplitMix64) -> [Int] {
    (0..<n).map { _ in Int(rng.next() % UInt64(n)) }
}

/// The k-th column of bootstrap parameter vectors (failed replicates dropped).
func column(_ samples: [[Double]], _ k: Int) -> [Double] { samples.map { $0[k] } }

/// An objective over rows that can be refitted on a bootstrap resample (row counts as weights).
public protocol ResamplableObjective: DifferentiableObjective, Sendable {
    var rowCount: Int { get }
    func reweighted(_ counts: [Double]) -> Self
}

extension LogSumExpObjective: ResamplableObjective {}

/// Multi-start point estimate plus a warm-started bootstrap: the recipe every nonlinear law uses.
struct MultiStartBootstrap: Sendable {
    var starts: [[Double]]
    /// See `minimizeFromStarts(_:starts:screeningIterations:…)`.
    var screeningIterations: Int?
    var bootstrap: BootstrapOptions
    /// Each refit starts from the best full-data solution, up to `extraMinima` other distinct
    /// local minima of the grid (within 1.5× of the best objective), and `perturbedStarts`
    /// Gaussian perturbations of the best with per-coordinate scales `jitter`.
    var extraMinima = 2
    var perturbedStarts = 2
    var jitter: [Double]
    var optimizer = LBFGSOptions()
    /// Stopping rules for bootstrap refits (nil: `optimizer`'s).
    var refitOptimizer: LBFGSOptions?
    var threads: Int

    struct Outcome: Sendable {
        var search: MultiStartResult
        var best: [Double]
        /// Successful refits in replicate order.
        var samples: [[Double]]
        var failedRefits: Int
    }

    /// Above this many rows the grid is screened on an evenly spaced subsample of this size (see
    /// `search`): the screen only ranks basins, and its cost grows with starts × rows.
    static let screeningRowLimit = 1_000

    func run<O: ResamplableObjective>(_ objective: O) -> Outcome {
        let search = self.search(objective)
        let best = search.best.x
        // On a large table a resample's optimum lies next to the full data's (the spread shrinks
        // as 1/√rows), so refits warm-start from the best alone: the other basins and
        // perturbations guard small noisy tables and would multiply the work of large ones.
        let large = objective.rowCount > Self.screeningRowLimit
        var refitStarts = large ? [best] : search.distinctMinima(count: 1 + extraMinima)
        if refitStarts.first != best { refitStarts.insert(best, at: 0) }
        let baseStarts = refitStarts
        let jitter = self.jitter, perturbed = large ? 0 : perturbedStarts, optimizer = refitOptimizer ?? self.optimizer
        let refits: [[Double]?] = runBootstrap(bootstrap, threads: threads) { _, rng in
            let resampled = objective.reweighted(resampleCounts(objective.rowCount, &rng))
            var starts = baseStarts
            for _ in 0..<perturbed { starts.append(zip(best, jitter).map { $0 + $1 * rng.nextGaussian() }) }
            let refit = minimizeFromStartsSerial(resampled, starts: starts, options: optimizer)
            return refit.value.isFinite ? refit.x : nil
        }
        let samples = refits.compactMap { $0 }
        return Outcome(search: search, best: best, samples: samples, failedRefits: refits.count - samples.count)
    }

    /// The multi-start search with its work bounded. A large table (100k rows: 24 min on the
    /// Chinchilla grid) is screened on `screeningRowLimit` evenly spaced rows (the screen only
    /// ranks basins); the `scoredCount` best screened points are scored on all rows and the best
    /// `fullPolishCount` of those run to convergence on all rows, so the estimate is still the
    /// full data's optimum. Small tables take the exact path they always did.
    func search<O: ResamplableObjective>(_ objective: O, scoredCount: Int = 100, fullPolishCount: Int = 5) -> MultiStartResult {
        let rows = objective.rowCount, limit = Self.screeningRowLimit
        guard screeningIterations != nil, rows > limit else {
            return minimizeFromStarts(objective, starts: starts, screeningIterations: screeningIterations,
                                      options: optimizer, threads: threads)
        }
        FitProgress.shared.begin("\(rows) rows: screening \(starts.count) starts on \(limit) of them, then the best \(scoredCount) on all rows", total: 0, announce: true)
        var counts = [Double](repeating: 0, count: rows)
        for k in 0..<limit { counts[k * rows / limit] = 1 }
        let subsample = objective.reweighted(counts)
        let screened = minimizeFromStarts(subsample, starts: starts, screeningIterations: screeningIterations,
                                          options: optimizer, threads: threads)
        // Subsample values rank the points; the best are re-scored on all rows. The others keep
        // no value (they are not candidates for the estimate or the bootstrap's extra minima).
        let ranked = screened.runs.indices.filter { screened.runs[$0].value.isFinite }
            .sorted { (screened.runs[$0].value, $0) < (screened.runs[$1].value, $1) }
        let top = Array(ranked.prefix(scoredCount))
        var scored = screened.runs.map { run -> LBFGSResult in
            var r = run
            r.value = .infinity
            return r
        }
        let rescored = parallelMap(top.count, threads: threads) { k -> Double in
            var gradient = [Double](repeating: 0, count: screened.runs[top[k]].x.count)
            return objective.evaluate(screened.runs[top[k]].x, gradient: &gradient)
        }
        for (k, index) in top.enumerated() { scored[index].value = rescored[k] }
        let chosen = Array(top.filter { scored[$0].value.isFinite }
            .sorted { (scored[$0].value, $0) < (scored[$1].value, $1) }.prefix(fullPolishCount))
        let polishStarts = chosen.map { scored[$0].x }, options = optimizer
        let polished = parallelMap(chosen.count, threads: threads) { k in
            minimizeLBFGS(objective, from: polishStarts[k], options: options)
        }
        for (k, index) in chosen.enumerated() where polished[k].value <= scored[index].value {
            var run = polished[k]
            run.iterations += scored[index].iterations
            run.evaluations += scored[index].evaluations
            scored[index] = run
        }
        let best = bestIndex(scored)
        return MultiStartResult(best: scored[best], bestStartIndex: best, runs: scored)
    }
}
