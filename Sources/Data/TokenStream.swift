// One split (train or val) as a single token sequence: one file for nanoGPT, or several llm.c
// shards concatenated in path order. Windows may cross shard boundaries; `copy` handles that.
// `prefix(_:)` makes a stream of a split's first tokens (`data.train_subset_tokens`).

public final class TokenStream: @unchecked Sendable {
    /// Used in error messages: a file path, or "dir/*_train*.bin (3 shards)".
    public let name: String
    public let files: [TokenFile]
    public let count: Int
    /// The tokens of each file that belong to the stream: all of them, or for a prefix those
    /// before its end. Every read goes through these, so nothing past `count` can be read.
    let parts: [UnsafeBufferPointer<UInt16>]
    private let starts: [Int]  // starts[i] = first stream index of files[i]

    public convenience init(name: String, files: [TokenFile]) {
        self.init(name: name, files: files, limit: Int.max)
    }

    private init(name: String, files: [TokenFile], limit: Int) {
        self.name = name
        var s: [Int] = [], p: [UnsafeBufferPointer<UInt16>] = [], kept: [TokenFile] = []
        var total = 0
        for f in files where total < limit || kept.isEmpty {
            let n = min(f.count, limit - total)
            s.append(total)
            p.append(UnsafeBufferPointer(rebasing: f.tokens[..<n]))
            kept.append(f)
            total += n
        }
        self.files = kept
        starts = s
        parts = p
        count = total
    }

    /// The first `n` tokens as a stream of their own, named after this one.
    public func prefix(_ n: Int) -> TokenStream {
        precondition(n >= 0 && n <= count, "prefix of \(n) tokens outside 0...\(count)")
        return TokenStream(name: "the first \(n) tokens of \(name)", files: files, limit: n)
    }

    /// The tokens as one buffer when the split is a single file (always for nanoGPT layout).
    public var contiguous: UnsafeBufferPointer<UInt16>? {
        parts.count == 1 ? parts[0] : (parts.isEmpty ? UnsafeBufferPointer(start: nil, count: 0) : nil)
    }

    public subscript(i: Int) -> UInt16 {
        precondition(i >= 0 && i < count, "token index \(i) out of range 0..<\(count)")
        let f = fileIndex(containing: i)
        return parts[f][i - starts[f]]
    }

    /// Copies `n` tokens from `start` into `dst` as Int32.
    public func copy(from start: Int, count n: Int, into dst: UnsafeMutablePointer<Int32>) {
        precondition(start >= 0 && n >= 0 && start + n <= count, "token range \(start)..<\(start + n) outside 0..<\(count)")
        var f = fileIndex(containing: start)
        var pos = start, written = 0
        while written < n {
            let file = parts[f]
            let local = pos - starts[f]
            let take = min(n - written, file.count - local)
            if take > 0 {
                let src = file.baseAddress! + local
                let out = dst + written
                for j in 0..<take { out[j] = Int32(src[j]) }
                written += take
                pos += take
            }
            f += 1
        }
    }

    /// Tokens `start..<start+n` as an array (convenience for tests and decoding samples).
    public func tokens(from start: Int, count n: Int) -> [Int32] {
        [Int32](unsafeUninitializedCapacity: n) { buf, initialized in
            if n > 0 { copy(from: start, count: n, into: buf.baseAddress!) }
            initialized = n
        }
    }

    /// The largest token id over all files, or nil when empty.
    public func maxToken() -> UInt16? {
        parts.compactMap { p in p.isEmpty ? nil : maxUInt16(p.baseAddress!, p.count) }.max()
    }

    /// Throws if any token is ≥ `vocabSize`, naming the file and the first offending position.
    public func validate(vocabSize: Int, declaredBy source: String) throws {
        for (f, p) in zip(files, parts) {
            guard !p.isEmpty, case let m = maxUInt16(p.baseAddress!, p.count), Int(m) >= vocabSize else { continue }
            let index = p.firstIndex { Int($0) >= vocabSize }!
            throw DataError("\(displayPath(f.url)): token \(p[index]) at index \(index) is ≥ vocab_size \(vocabSize) (\(source)); max token is \(m)")
        }
    }

    private func fileIndex(containing i: Int) -> Int {
        // Last file whose start ≤ i and that is non-empty at i (empty shards are skipped).
        var lo = 0, hi = files.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= i { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}
