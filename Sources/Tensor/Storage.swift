import Foundation

/// A flat Float32 buffer. Tensors share a `Storage` for views (reshape, detach); writers copy
/// first when it is shared (`Tensor.makeUnique`). Memory comes from `BufferPool` and goes back to it
/// on deinit, or belongs to an `Arena` that outlives the storage (parameters, gradients).
public final class Storage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    /// Set when the memory belongs to an arena; the arena is kept alive and never freed here.
    private let arena: Arena?
    /// The pool the memory returns to (nil for arena windows).
    private let pool: BufferPool?
    private let pooledCapacity: Int

    /// Fresh pooled memory from the thread's current pool, contents undefined.
    init(uninitializedCount count: Int) {
        let pool = BufferPool.current
        let capacity = BufferPool.sizeClass(for: count)
        self.pointer = pool.acquire(capacity: capacity)
        self.count = count
        self.arena = nil
        self.pool = pool
        self.pooledCapacity = capacity
    }

    /// A window into an arena's memory.
    init(arena: Arena, offset: Int, count: Int) {
        precondition(offset >= 0 && offset + count <= arena.count, "arena window out of range")
        self.pointer = arena.pointer + offset
        self.count = count
        self.arena = arena
        self.pool = nil
        self.pooledCapacity = 0
    }

    deinit {
        pool?.release(pointer, capacity: pooledCapacity)
    }

    func copy() -> Storage {
        let s = Storage(uninitializedCount: count)
        s.pointer.update(from: pointer, count: count)
        return s
    }
}

/// One contiguous, 64-byte aligned block that many tensors view (llm.c's parameter arena): the
/// optimizer, zero-grad and checkpoint I/O become single loops over it.
public final class Arena: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        self.pointer = alignedAllocate(max(count, 1))
        pointer.initialize(repeating: 0, count: count)
    }

    deinit { free(pointer) }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: pointer, count: count) }
}

extension Tensor {
    /// Moves this tensor's values into `arena` at `offset` and makes the arena its storage
    /// (llm.c's parameter arena: one buffer for all parameters, or all gradients).
    public func moveIntoArena(_ arena: Arena, offset: Int) {
        let window = Storage(arena: arena, offset: offset, count: count)
        window.pointer.update(from: data, count: count)
        storage = window
    }
}

func alignedAllocate(_ count: Int) -> UnsafeMutablePointer<Float> {
    var raw: UnsafeMutableRawPointer?
    let rc = posix_memalign(&raw, 64, count * MemoryLayout<Float>.stride)
    guard rc == 0, let raw else { fatalError("out of memory allocating \(count) floats") }
    return raw.bindMemory(to: Float.self, capacity: count)
}

/// Caching allocator (PyTorch's idea, in miniature): freed buffers are kept per size class and
/// handed out again, so a training step that repeats the same shapes stops calling malloc after
/// the first step. Size classes are m·2^e with m ∈ {4,5,6,7} (≤ 25% waste), which bounds the
/// number of classes when shapes vary (MoE expert batches).
public final class BufferPool: @unchecked Sendable {
    /// The process-wide pool, used unless a thread installs its own with `using(_:)`.
    public static let shared = BufferPool()

    /// The pool new tensors on this thread draw from.
    public static var current: BufferPool { ThreadContext.current.pool ?? shared }

    /// Runs `body` with new tensors on this thread drawing from `pool` (isolated accounting for
    /// an experiment or a test). Buffers always return to the pool they came from.
    public static func using<R>(_ pool: BufferPool, _ body: () throws -> R) rethrows -> R {
        let context = ThreadContext.current
        let saved = context.pool
        context.pool = pool
        defer { context.pool = saved }
        return try body()
    }

    public struct Statistics: Equatable, Sendable {
        /// Calls that had to go to malloc.
        public var systemAllocations = 0
        /// Calls served from the cache.
        public var reuses = 0
        /// Bytes handed out and not yet returned.
        public var bytesInUse = 0
        /// Bytes held by the pool: in use plus cached.
        public var bytesReserved = 0
    }

    private var freeLists: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var stats = Statistics()
    private var lock = pthread_mutex_t()

    public init() { pthread_mutex_init(&lock, nil) }

    deinit {
        trim()
        pthread_mutex_destroy(&lock)
    }

    public var statistics: Statistics {
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        return stats
    }

    static func sizeClass(for count: Int) -> Int {
        if count <= 64 { return 64 }
        let e = Int.bitWidth - (count - 1).leadingZeroBitCount - 3  // 2^(e+2) < count ≤ 2^(e+3)
        let unit = 1 << e
        return (count + unit - 1) / unit * unit
    }

    func acquire(capacity: Int) -> UnsafeMutablePointer<Float> {
        pthread_mutex_lock(&lock)
        if var list = freeLists[capacity], let p = list.popLast() {
            freeLists[capacity] = list
            stats.reuses += 1
            stats.bytesInUse += capacity * 4
            pthread_mutex_unlock(&lock)
            return p
        }
        stats.systemAllocations += 1
        stats.bytesInUse += capacity * 4
        stats.bytesReserved += capacity * 4
        pthread_mutex_unlock(&lock)
        return alignedAllocate(capacity)
    }

    func release(_ pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        pthread_mutex_lock(&lock)
        freeLists[capacity, default: []].append(pointer)
        stats.bytesInUse -= capacity * 4
        pthread_mutex_unlock(&lock)
    }

    /// Returns every cached (unused) buffer to the system.
    public func trim() {
        pthread_mutex_lock(&lock)
        for (capacity, list) in freeLists {
            for p in list { free(p) }
            stats.bytesReserved -= capacity * 4 * list.count
        }
        freeLists.removeAll()
        pthread_mutex_unlock(&lock)
    }
}
