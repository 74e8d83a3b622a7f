// Trains a byte-level BPE on a corpus. The corpus is cut into chunks (`ChunkSplitter`) and reduced
// to its table of unique chunks with counts; merges then run over that table, not the raw text.
// Pair counts are updated incrementally (only words containing the merged pair are touched,
// found through a pair → words index), and the next pair comes from a lazy max-heap: existing
// pairs' counts only ever fall, so a popped entry whose count is still current is the true
// maximum; new pairs (those containing the new token) are pushed when created.
// Ties go to the smallest (left, right) id pair, so training is deterministic.

import Foundation

public enum BPETrainer {
    /// Learns `vocabSize - 256` merges (fewer if the corpus runs out of pairs, e.g. a tiny corpus;
    /// check the result's `vocabSize`). `vocabSize` must be in 256...65536.
    public static func train(corpus: [UInt8], vocabSize: Int) throws -> BPETokenizer {
        try train(vocabSize: vocabSize) { add in try corpus.withUnsafeBufferPointer { try add($0) } }
    }

    /// Trains on a corpus read once as a stream: `corpus` passes its consecutive blocks to the
    /// closure it is given. Only the table of distinct chunks is kept, so memory follows the
    /// corpus's vocabulary of chunks, not its size; the merges equal `train(corpus:)` on the
    /// concatenated blocks.
    static func train(vocabSize: Int,
                      corpus: (_ add: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Void) throws -> BPETokenizer {
        guard vocabSize >= 256 else {
            throw DataError("BPE vocab size \(vocabSize) is below 256 (a byte-level BPE vocabulary starts with the 256 bytes)")
        }
        guard vocabSize <= 65536 else {
            throw DataError("BPE vocab size \(vocabSize) does not fit uint16 token files (max 65536)")
        }
        var stream = ChunkStream()
        var table = WordTable()
        try corpus { block in stream.feed(block, final: false) { table.add($0, $1) } }
        stream.feed(UnsafeBufferPointer(start: nil, count: 0), final: true) { table.add($0, $1) }
        let merges = table.learnMerges(count: vocabSize - 256)
        return try BPETokenizer(merges: merges)
    }
}

private struct HeapEntry {
    var count: Int
    var pair: UInt32
    /// Max-heap order: higher count first, then the smaller pair.
    @inline(__always) func outranks(_ o: HeapEntry) -> Bool {
        count > o.count || (count == o.count && pair < o.pair)
    }
}

private struct PairHeap {
    private var items: [HeapEntry] = []

    mutating func push(_ e: HeapEntry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].outranks(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> HeapEntry? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < items.count && items[l].outranks(items[best]) { best = l }
                if r < items.count && items[r].outranks(items[best]) { best = r }
                if best == i { break }
                items.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}

/// The unique chunks ("words") of the corpus as token sequences, with occurrence counts, in
/// order of first occurrence.
private struct WordTable {
    var words: [[UInt16]] = []
    var counts: [Int] = []
    private var seen = ChunkTable()

    /// Counts one chunk of `n` bytes at `p`.
    @inline(__always)
    mutating func add(_ p: UnsafePointer<UInt8>, _ n: Int) {
        let (w, inserted) = seen.findOrInsert(p, count: n)
        if inserted {
            words.append((0..<n).map { UInt16(p[$0]) })
            counts.append(1)
        } else {
            counts[w] += 1
        }
    }

    mutating func learnMerges(count wanted: Int) -> [BPEMerge] {
        var pairCounts: [UInt32: Int] = [:]
        var wordsWithPair: [UInt32: [Int32]] = [:]
        for (w, word) in words.enumerated() where word.count >= 2 {
            for j in 0..<(word.count - 1) {
                let k = pairKey(word[j], word[j + 1])
                pairCounts[k, default: 0] += counts[w]
                if wordsWithPair[k]?.last != Int32(w) { wordsWithPair[k, default: []].append(Int32(w)) }
            }
        }
        var heap = PairHeap()
        for (k, c) in pairCounts { heap.push(HeapEntry(count: c, pair: k)) }

        var merges: [BPEMerge] = []
        merges.reserveCapacity(wanted)
        var lastVisit = [Int32](repeating: -1, count: words.count)
        var newPairs: Set<UInt32> = []
        while merges.count < wanted, let top = heap.pop() {
            let current = pairCounts[top.pair] ?? 0
            if current != top.count {
                if current > 0 { heap.push(HeapEntry(count: current, pair: top.pair)) }
                continue
            }
            let a = UInt16(top.pair >> 16), b = UInt16(top.pair & 0xFFFF)
            let merged = UInt16(256 + merges.count)
            let stamp = Int32(merges.count)
            merges.append(BPEMerge(a, b))
            newPairs.removeAll(keepingCapacity: true)

            for w32 in wordsWithPair.removeValue(forKey: top.pair) ?? [] {
                let w = Int(w32)
                if lastVisit[w] == stamp { continue }
                lastVisit[w] = stamp
                var contains = false
                words[w].withUnsafeBufferPointer { t in
                    for j in 0..<(max(t.count, 1) - 1) where t[j] == a && t[j + 1] == b { contains = true; break }
                }
                if !contains { continue }  // stale index entry
                let c = counts[w]
                // In place: drop the word's old pairs, merge, add its new pairs. Rewriting the
                // array in place keeps each word's storage its own size (no shared scratch).
                words[w].withUnsafeMutableBufferPointer { t in
                    for j in 0..<(t.count - 1) {
                        let k = pairKey(t[j], t[j + 1])
                        let left = pairCounts[k]! - c
                        pairCounts[k] = left == 0 ? nil : left
                    }
                }
                var n = 0
                words[w].withUnsafeMutableBufferPointer { t in
                    var i = 0
                    while i < t.count {
                        if i + 1 < t.count && t[i] == a && t[i + 1] == b {
                            t[n] = merged
                            i += 2
                        } else {
                            t[n] = t[i]
                            i += 1
                        }
                        n += 1
                    }
                }
                words[w].removeLast(words[w].count - n)
                if n >= 2 {
                    words[w].withUnsafeBufferPointer { t in
                        for j in 0..<(n - 1) {
                            let k = pairKey(t[j], t[j + 1])
                            pairCounts[k, default: 0] += c
                            if t[j] == merged || t[j + 1] == merged {
                                newPairs.insert(k)
                                if wordsWithPair[k]?.last != w32 { wordsWithPair[k, default: []].append(w32) }
                            }
                        }
                    }
                }
            }
            for k in newPairs {
                if let c = pairCounts[k] { heap.push(HeapEntry(count: c, pair: k)) }
            }
        }
        return merges
    }
}
