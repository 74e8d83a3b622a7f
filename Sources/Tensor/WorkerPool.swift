import Foundation
import Synchronization

/// The threads `parallelChunks` runs on when a process uses more than one: `Threads.count − 1`
/// workers plus the calling thread, each taking chunks off a shared counter. Between loops a
/// worker spins for a while (≈ 0.7 ms, `spinIterations`) before it sleeps, because a training
/// step issues its parallel loops back to back: waking a sleeping thread per loop (as
/// `DispatchQueue.concurrentPerform` does) cost a 2-thread d 48 run more than the loops saved
/// (Experiments/sweep-parallelism). OpenMP's runtimes, PyTorch's among them, spin the same way.
/// Single-threaded processes (sweeps run one per core) never start it.
final class WorkerPool: @unchecked Sendable {
    /// Generation (high 32 bits) and next chunk index (low 32 bits) of the current loop: a worker
    /// takes a chunk only by compare-and-swap on a value of the generation it is working for, so
    /// a late worker can never take a chunk of the next loop with the previous loop's body.
    private let ticket = Atomic<Int>(0)
    /// Chunks of the current loop not yet finished.
    private let pending = Atomic<Int>(0)
    /// Workers asleep on `condition` (the caller signals only when there are some).
    private let sleepers = Atomic<Int>(0)
    private var generation = 0
    private var chunks = 0
    private var body: ((Int) -> Void)?
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    /// Held by the thread running a loop: a second caller (another thread's graph) falls back.
    private var busy = pthread_mutex_t()

    /// 2^20 loads of the ticket ≈ 0.7 ms on the 2-vCPU VM of README "Performance". Spinning that
    /// long (rather than 2^15 ≈ 22 µs) keeps the worker awake across a step's sequential stretches;
    /// waking it through the condition variable cost the calling thread 4.4% of a 2-thread tiny
    /// step and delayed the worker's first chunk. 2-thread tokens/s, median of 7 alternating
    /// rounds, 2^20 against 2^15: tiny 1.23×, qs-d48 1.14×, small 1.09× (2^22: 1.12×, 1.12×, 1.05×).
    static let spinIterations = 1 << 20

    init(workers: Int) {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        pthread_mutex_init(&busy, nil)
        for _ in 0..<workers {
            let thread = Thread { [unowned(unsafe) self] in self.workerLoop() }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Runs `body(c)` for c in 0..<chunks on the pool and the calling thread; returns false
    /// (nothing run) when another thread is using the pool.
    func run(chunks: Int, _ body: (Int) -> Void) -> Bool {
        guard pthread_mutex_trylock(&busy) == 0 else { return false }
        defer { pthread_mutex_unlock(&busy) }
        withoutActuallyEscaping(body) { body in
            self.body = body
            self.chunks = chunks
            generation += 1
            pending.store(chunks, ordering: .relaxed)
            // Publishing the ticket releases body, chunks and pending to the workers. Sequentially
            // consistent with the sleepers count (a worker increments it, then re-reads the
            // ticket), so a worker about to sleep either sees this loop or is counted and woken.
            // A worker that misses a loop anyway only costs speed: the caller takes every chunk
            // no one else took before it waits.
            ticket.store(generation << 32, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(&mutex)
                pthread_cond_broadcast(&condition)
                pthread_mutex_unlock(&mutex)
            }
            work(generation: generation)
            while pending.load(ordering: .acquiring) > 0 {}
            self.body = nil
        }
        return true
    }

    /// Takes and runs chunks of loop `generation` until none is left.
    private func work(generation g: Int) {
        while true {
            let t = ticket.load(ordering: .acquiring)
            guard t >> 32 == g, t & 0xFFFF_FFFF < chunks else { return }
            guard ticket.compareExchange(expected: t, desired: t + 1, ordering: .acquiringAndReleasing).exchanged else { continue }
            ThreadContext.runChunk { body!(t & 0xFFFF_FFFF) }
            pending.subtract(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        Denormals.flushToZeroOnThisThread()
        var seen = 0
        while true {
            var spins = 0
            var g = ticket.load(ordering: .acquiring) >> 32
            while g == seen && spins < Self.spinIterations {
                spins += 1
                g = ticket.load(ordering: .acquiring) >> 32
            }
            if g == seen {
                pthread_mutex_lock(&mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while ticket.load(ordering: .sequentiallyConsistent) >> 32 == seen {
                    pthread_cond_wait(&condition, &mutex)
                }
                sleepers.subtract(1, ordering: .relaxed)
                pthread_mutex_unlock(&mutex)
                g = ticket.load(ordering: .acquiring) >> 32
            }
            seen = g
            work(generation: g)
        }
    }

    /// One pool per thread budget (tests change the budget; a process normally sets it once).
    private static let pools = Mutex<[Int: WorkerPool]>([:])

    static func forBudget(_ threads: Int) -> WorkerPool {
        pools.withLock { pools in
            if let pool = pools[threads] { return pool }
            let pool = WorkerPool(workers: threads - 1)
            pools[threads] = pool
            return pool
        }
    }
}
