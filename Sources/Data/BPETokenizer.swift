// Byte-level BPE: ids 0–255 are the raw bytes, id 256 + r is merge r (the concatenation of its
// two parts). Decoding therefore reproduces any byte string exactly. Encoding pre-splits with
// `ChunkSplitter` and applies merges in rank order inside each chunk, with a cache of unique
// chunks (`BPEStreamEncoder`, which also encodes a corpus streamed in blocks).

/// Merge r joins `left` and `right` into token 256 + r.
public struct BPEMerge: Hashable, Codable, Sendable {
    public var left: UInt16
    public var right: UInt16
    public init(_ left: UInt16, _ right: UInt16) { self.left = left; self.right = right }
}

public struct BPETokenizer: Tokenizer {
    public let merges: [BPEMerge]
    private let ranks: [UInt32: Int32]  // (left << 16 | right) → merge index
    private let tokenBytes: [[UInt8]]

    /// Builds from a merge list (e.g. read from meta.json); merge r may only use ids < 256 + r.
    public init(merges: [BPEMerge]) throws {
        guard 256 + merges.count <= 65536 else {
            throw DataError("BPE has \(merges.count) merges: vocabulary \(256 + merges.count) exceeds uint16 token files (max 65536)")
        }
        var ranks: [UInt32: Int32] = [:]
        ranks.reserveCapacity(merges.count)
        var bytes: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        for (r, m) in merges.enumerated() {
            let limit = 256 + r
            guard Int(m.left) < limit, Int(m.right) < limit else {
                throw DataError("BPE merge \(r) = (\(m.left), \(m.right)) uses an id ≥ \(limit) (not yet defined)")
            }
            let key = pairKey(m.left, m.right)
            guard ranks[key] == nil else { throw DataError("BPE merge \(r) = (\(m.left), \(m.right)) repeats an earlier merge") }
            ranks[key] = Int32(r)
            bytes.append(bytes[Int(m.left)] + bytes[Int(m.right)])
        }
        self.merges = merges
        self.ranks = ranks
        tokenBytes = bytes
    }

    public var kind: TokenizerKind { .bpe }
    public var vocabSize: Int { 256 + merges.count }

    /// The bytes of one token (for inspecting a vocabulary).
    public func bytes(ofToken id: Int) -> [UInt8] { tokenBytes[id] }

    public func encode(bytes: [UInt8]) -> [UInt16] {
        bytes.withUnsafeBufferPointer { encode($0) }
    }

    public func encode(_ buffer: UnsafeBufferPointer<UInt8>) -> [UInt16] {
        var out: [UInt16] = []
        out.reserveCapacity(buffer.count / 2)
        var encoder = BPEStreamEncoder(self)
        encoder.encode(buffer, final: true, into: &out)
        return out
    }

    /// Applies merges lowest rank first; each merge joins all its left-to-right occurrences —
    /// the same segmentation the trainer produced for chunks it saw. Result in `t`.
    fileprivate func encodeChunk(_ bytes: UnsafePointer<UInt8>, _ n: Int, scratch t: inout [Int32]) {
        t.removeAll(keepingCapacity: true)
        for i in 0..<n { t.append(Int32(bytes[i])) }
        while t.count >= 2 {
            var best = Int32.max
            for i in 0..<(t.count - 1) {
                if let r = ranks[pairKey(UInt16(t[i]), UInt16(t[i + 1]))], r < best { best = r }
            }
            if best == Int32.max { break }
            let m = merges[Int(best)]
            let merged = 256 + best
            var w = 0
            var i = 0
            while i < t.count {
                if i + 1 < t.count && t[i] == Int32(m.left) && t[i + 1] == Int32(m.right) {
                    t[w] = merged
                    i += 2
                } else {
                    t[w] = t[i]
                    i += 1
                }
                w += 1
            }
            t.removeLast(t.count - w)
        }
    }

    public func decodeBytes<C: Collection>(_ tokens: C) -> [UInt8] where C.Element: BinaryInteger {
        var out: [UInt8] = []
        out.reserveCapacity(tokens.count * 4)
        for t in tokens {
            if t >= 0 && t < tokenBytes.count { out += tokenBytes[Int(t)] } else { out += replacementCharacterUTF8 }
        }
        return out
    }
}

/// Encodes text that arrives in blocks (`ChunkStream`), with a cache of the encodings of the
/// distinct chunks seen so far (natural text repeats its words, so most chunks are cache hits).
/// The tokens equal `BPETokenizer.encode` of the concatenated blocks.
struct BPEStreamEncoder {
    let tokenizer: BPETokenizer
    private var stream = ChunkStream()
    private var cache = ChunkCache()

    init(_ tokenizer: BPETokenizer) { self.tokenizer = tokenizer }

    /// Appends the tokens of the chunks `block` completes to `out`; `final` ends the text.
    mutating func encode(_ block: UnsafeBufferPointer<UInt8>, final: Bool, into out: inout [UInt16]) {
        // The stream and the cache are separate values so the chunk callback can update one
        // while the other is being fed.
        var stream = ChunkStream()
        swap(&stream, &self.stream)
        defer { swap(&stream, &self.stream) }
        stream.feed(block, final: final) { p, n in cache.append(p, n, tokenizer: tokenizer, to: &out) }
    }
}

private struct ChunkCache {
    var seen = ChunkTable()
    var pool: [UInt16] = []  // encodings of unique chunks, back to back
    var poolRanges: [Range<Int>] = []  // by chunk entry
    var scratch: [Int32] = []

    @inline(__always)
    mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int, tokenizer: BPETokenizer, to out: inout [UInt16]) {
        if n == 1 { out.append(UInt16(p[0])); return }
        let (entry, inserted) = seen.findOrInsert(p, count: n)
        if inserted {
            tokenizer.encodeChunk(p, n, scratch: &scratch)
            let start = pool.count
            for t in scratch { pool.append(UInt16(truncatingIfNeeded: t)) }
            poolRanges.append(start..<pool.count)
        }
        let range = poolRanges[entry]
        pool.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[range])) }
    }
}

@inline(__always)
func pairKey(_ left: UInt16, _ right: UInt16) -> UInt32 { UInt32(left) << 16 | UInt32(right) }
