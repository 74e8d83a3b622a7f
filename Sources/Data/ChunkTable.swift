// An open-addressing hash set of chunk byte strings, numbering entries 0, 1, 2, … in insertion
// order so callers keep per-chunk data in parallel arrays. The table keeps its own copy of each
// distinct chunk (chunks arrive from a stream of blocks that do not outlive the call), so its
// memory grows with the number of distinct chunks, not with the corpus.
// Encoding and training look up every chunk of the corpus (millions); a Dictionary keyed by byte
// spans spent more on SipHash setup and finalisation per lookup than on the short chunks
// themselves (this table made encoding about 2× faster).

struct ChunkTable {
    private var slots: [Int32]  // -1 = empty, else entry index
    private var hashes: [UInt64] = []
    private var starts: [Int] = []
    private var lengths: [Int32] = []
    private var arena: [UInt8] = []  // the distinct chunks, back to back
    private var mask: Int

    init(capacity: Int = 1 << 12) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { starts.count }

    /// FNV-1a: good enough spread for short byte strings, and cheap.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x100_0000_01B3 }
        return h ^ (h >> 29)
    }

    /// The entry index for the `n` bytes at `p` (n ≥ 1), inserting a copy of them if absent.
    @inline(__always)
    mutating func findOrInsert(_ p: UnsafePointer<UInt8>, count n: Int) -> (entry: Int, inserted: Bool) {
        let h = Self.hash(p, n)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[slot])
            if e < 0 { break }
            if hashes[e] == h && Int(lengths[e]) == n
                && arena.withUnsafeBufferPointer({ memcmpBytes($0.baseAddress! + starts[e], p, n) }) { return (e, false) }
            slot = (slot + 1) & mask
        }
        let e = starts.count
        slots[slot] = Int32(e)
        hashes.append(h)
        starts.append(arena.count)
        lengths.append(Int32(n))
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        if starts.count * 2 > slots.count { grow() }
        return (e, true)
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (e, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(e)
        }
    }
}

@inline(__always)
func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for i in 0..<n where a[i] != b[i] { return false }
    return true
}
