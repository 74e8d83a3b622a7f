import Foundation

/// Per-thread autograd and allocator state. Graphs are built on one thread; keeping grad mode,
/// the tape counter and the active buffer pool thread-local lets independent graphs (tests,
/// evaluation threads) run side by side without seeing each other's `noGrad` scopes.
final class ThreadContext {
    var gradEnabled = true
    var tapeLength = 0
    var pool: BufferPool?
    /// > 0 while this thread runs a chunk of a parallel loop (nested loops then run serially).
    var parallelDepth = 0

    /// Runs one chunk of a parallel loop on the current thread, marked as inside a parallel region.
    @inline(__always)
    static func runChunk(_ body: () -> Void) {
        let context = current
        context.parallelDepth += 1
        body()
        context.parallelDepth -= 1
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            if let raw { Unmanaged<ThreadContext>.fromOpaque(raw).release() }
        }
        return key
    }()

    static var current: ThreadContext {
        @inline(__always) get {
            if let raw = pthread_getspecific(key) {
                return Unmanaged<ThreadContext>.fromOpaque(raw).takeUnretainedValue()
            }
            let context = ThreadContext()
            // A worker's first chunk: its float mode, like the thread that configured the budget.
            Denormals.flushToZeroOnThisThread()
            pthread_setspecific(key, Unmanaged.passRetained(context).toOpaque())
            return context
        }
    }
}
