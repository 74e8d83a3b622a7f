import COpenBLAS
import Foundation

/// The process's one thread budget, shared by OpenBLAS and our own parallel loops so the two never
/// oversubscribe the cores. Set it once at start-up (`--threads`, `WINDTUNNEL_THREADS`, default =
/// cores). Work is split into the same fixed chunks for a given count, so results are identical
/// run to run at a fixed thread count.
public enum Threads {
    nonisolated(unsafe) private static var current = 0

    /// Who parallelises a matrix product: `own` (OpenBLAS single-threaded, products split over
    /// our threads; the default) or `openblas` (OpenBLAS's own pthreads). Set with
    /// `WINDTUNNEL_BLAS_THREADING=own|openblas` before `configure`.
    public enum BLASThreading: String, Sendable { case own, openblas }
    nonisolated(unsafe) public private(set) static var blasThreading = BLASThreading.own

    /// True on a thread that is running a chunk of `parallelFor` (nested loops run serially).
    static var inParallelRegion: Bool { ThreadContext.current.parallelDepth > 0 }

    /// The active budget (≥ 1). Configures itself from the environment on first use.
    public static var count: Int {
        if current == 0 { configure(nil) }
        return current
    }

    /// The largest budget: beyond a few threads per core, more only add scheduling cost (and a
    /// typo such as `--threads 100000` would spend minutes creating threads before any output).
    public static var maximum: Int { max(64, 4 * ProcessInfo.processInfo.activeProcessorCount) }

    /// The budget `configure` uses for `requested` (else `WINDTUNNEL_THREADS`, else the cores),
    /// clamped to `maximum` with a note saying so. Throws for a value below 1 or a
    /// `WINDTUNNEL_THREADS` that is not an integer (an ignored setting is worse than an error).
    public static func resolve(_ requested: Int?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (count: Int, note: String?) {
        let source: String, n: Int
        if let requested {
            (source, n) = ("--threads", requested)
        } else if let text = environment["WINDTUNNEL_THREADS"] {
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ThreadsError("WINDTUNNEL_THREADS=\(text): expected a whole number of threads ≥ 1")
            }
            (source, n) = ("WINDTUNNEL_THREADS", value)
        } else {
            return (ProcessInfo.processInfo.activeProcessorCount, nil)
        }
        guard n >= 1 else { throw ThreadsError("\(source) must be ≥ 1, got \(n)") }
        guard n <= maximum else {
            return (maximum, "\(source) \(n) is more than \(maximum) (4 per core, at least 64); using \(maximum)")
        }
        return (n, nil)
    }

    /// Sets the budget: an explicit value, else `WINDTUNNEL_THREADS`, else the number of cores
    /// (see `resolve`; an unusable setting falls back to the cores here, the CLI rejects it first).
    public static func configure(_ requested: Int?) {
        let n = (try? resolve(requested))?.count ?? max(1, min(requested ?? ProcessInfo.processInfo.activeProcessorCount, maximum))
        current = n
        Denormals.flushToZeroOnThisThread()
        if let mode = ProcessInfo.processInfo.environment["WINDTUNNEL_BLAS_THREADING"].flatMap(BLASThreading.init) {
            blasThreading = mode
        }
        openblas_set_num_threads(blasThreading == .own ? 1 : Int32(n))
        warmUpBLASBuffers(callers: n)
    }

    nonisolated(unsafe) private static var warmedCallers = 0

    /// Makes OpenBLAS write every page of the packing buffers that up to `callers` concurrent
    /// single-threaded calls use. OpenBLAS 0.3.21 (Zen kernels) runs 3–4× slower (≈10 vs ≈36
    /// GFLOP/s on one core) for products whose output rows are ≤ 320 wide until a larger product
    /// has touched the buffer: its kernels prefetch into never-written pages, and those prefetches
    /// miss the page tables on every call. One 512³ product per caller fixes it for the process
    /// (Scripts/blas-first-touch.c reproduces the effect outside Swift).
    private static func warmUpBLASBuffers(callers: Int) {
        guard callers > warmedCallers else { return }
        warmedCallers = callers
        let n = 512
        openblas_set_num_threads(1)
        // The pool hands a free buffer to each concurrent call, so the warm-up calls must overlap:
        // each repeats its product so that every caller is still busy when the last one starts.
        DispatchQueue.concurrentPerform(iterations: callers) { _ in
            let a = [Float](repeating: 0.5, count: n * n)
            var c = [Float](repeating: 0, count: n * n)
            for _ in 0..<3 {
                c.withUnsafeMutableBufferPointer { c in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n),
                                1, a, Int32(n), a, Int32(n), 0, c.baseAddress, Int32(n))
                }
            }
        }
        openblas_set_num_threads(blasThreading == .own ? 1 : Int32(current))
    }

    /// Runs `body` with OpenBLAS threaded at the full budget (in `own` mode it is otherwise kept at
    /// one thread): for raw-BLAS baselines in benchmarks.
    public static func withOpenBLASThreads<R>(_ body: () throws -> R) rethrows -> R {
        guard blasThreading == .own, count > 1 else { return try body() }
        openblas_set_num_threads(Int32(count))
        defer { openblas_set_num_threads(1) }
        return try body()
    }

    /// Runs `body` with OpenBLAS pinned to one thread: for loops that themselves run BLAS calls on
    /// several of our threads (per-head attention), so the two levels never multiply.
    @inline(__always)
    static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        let n = count
        if n == 1 || blasThreading == .own { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(n)) }
        return try body()
    }
}

/// An unusable thread budget (`--threads 0`, `WINDTUNNEL_THREADS=abc`).
public struct ThreadsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Splits `0..<n` into at most `Threads.count` contiguous chunks of at least `grain` items and runs
/// `body` on each, in parallel when there is more than one chunk (on the `WorkerPool`; nested
/// loops and a second thread's loops while the pool is busy go to `concurrentPerform`). Chunk
/// bounds depend only on `n`, `grain` and the thread count, so per-chunk partial results combine
/// deterministically, whichever thread runs a chunk.
@inline(__always)
public func parallelFor(_ n: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    parallelChunks(n, grain: grain) { _, r in body(r) }
}

/// `parallelFor` that also passes the chunk's index (0..<chunkCount), for per-chunk scratch and
/// partial sums that are then combined in chunk order.
@inline(__always)
public func parallelChunks(_ n: Int, grain: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
    let chunks = chunkCount(n, grain: grain)
    if chunks <= 1 {
        if n > 0 { body(0, 0..<n) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let task = UncheckedSendable(body)  // chunks write disjoint ranges; callers guarantee it
        // The worker pool, unless this is a nested loop or another thread holds the pool.
        if !Threads.inParallelRegion,
           WorkerPool.forBudget(Threads.count).run(chunks: chunks, { c in task.value(c, chunkRange(c, of: chunks, n: n)) }) {
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            ThreadContext.runChunk { task.value(c, chunkRange(c, of: chunks, n: n)) }
        }
    }
}

/// The number of chunks `parallelFor` uses for `n` items: callers size per-chunk scratch with it.
@inline(__always)
public func chunkCount(_ n: Int, grain: Int) -> Int {
    min(Threads.count, max(1, n / max(grain, 1)))
}

@inline(__always)
public func chunkRange(_ c: Int, of chunks: Int, n: Int) -> Range<Int> {
    let base = n / chunks, extra = n % chunks
    let start = c * base + min(c, extra)
    return start..<(start + base + (c < extra ? 1 : 0))
}

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
