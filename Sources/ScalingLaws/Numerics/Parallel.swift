import Dispatch
import Foundation

/// How many worker threads a fit may use.
public enum FitThreads {
    /// `requested` if given (≥ 1), else every active core.
    public static func resolve(_ requested: Int?) -> Int {
        if let requested, requested >= 1 { return requested }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}

/// Storage written by index from several threads: each index is written by exactly one task,
/// so no two threads touch the same element.
final class IndexedResults<T>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<T?>
    let count: Int
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: max(count, 1))
        slots.initialize(repeating: nil, count: count)
    }
    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    func set(_ index: Int, _ value: T) { slots[index] = value }
    var values: [T?] { Array(UnsafeBufferPointer(start: slots, count: count)) }
}

/// A shared "next task" counter: tasks differ a lot in cost (a bad start can take 10× the
/// iterations of a good one), so workers pull indices instead of taking fixed stripes.
private final class TaskCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let index = next
        next += 1
        return index
    }
}

/// Evaluates `body(i)` for i in 0..<count on `threads` workers and returns the results in index
/// order, so the outcome does not depend on the thread count or on scheduling.
func parallelMap<T>(_ count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
    let workers = max(1, min(threads, count))
    if workers == 1 { return (0..<count).map(body) }
    let results = IndexedResults<T>(count: count)
    let counter = TaskCounter()
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
            let index = counter.take()
            if index >= count { break }
            results.set(index, body(index))
        }
    }
    return results.values.map { $0! }
}
