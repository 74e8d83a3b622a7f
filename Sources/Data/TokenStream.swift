// One split (train or val) as a single token sequence: one file for nanoGPT, or several llm.c
// shards concatenated in path order. Windows may cross shard boundaries; `copy` handles that.

public final class TokenStream: @unchecked Sendable {
    /// Used in error messages: a file path, or "dir/*_train*.bin (3 shards)".
    public let name: String
    public let files: [TokenFile]
    public let count: Int
    private let starts: [Int]  // starts[i] = first stream index of files[i]

    public init(name: String, files: [TokenFile]) {
        self.name = name
        self.files = files
        var s: [Int] = []
        var total = 0
        for f in files { s.append(total); total += f.count }
        starts = s
        count = total
    }

    /// The tokens as one buffer when the split is a single file (always for nanoGPT layout).
    public var contiguous: UnsafeBufferPointer<UInt16>? {
        files.count == 1 ? files[0].tokens : (files.isEmpty ? UnsafeBufferPointer(start: nil, count: 0) : nil)
    }

    public subscript(i: Int) -> UInt16 {
        precondition(i >= 0 && i < count, "token index \(i) out of range 0..<\(count)")
        let f = fileIndex(containing: i)
        return files[f].tokens[i - starts[f]]
    }

    /// Copies `n` tokens from `start` into `dst` as Int32.
    public func copy(from start: Int, count n: Int, into dst: UnsafeMutablePointer<Int32>) {
        precondition(start >= 0 && n >= 0 && start + n <= count, "token range \(start)..<\(start + n) outside 0..<\(count)")
        var f = fileIndex(containing: start)
        var pos = start, written = 0
        while written < n {
            let file = files[f].tokens
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
        files.compactMap { $0.maxToken() }.max()
    }

    /// Throws if any token is ≥ `vocabSize`, naming the file and the first offending position.
    public func validate(vocabSize: Int, declaredBy source: String) throws {
        for f in files {
            guard let m = f.maxToken(), Int(m) >= vocabSize else { continue }
            let index = f.tokens.firstIndex { Int($0) >= vocabSize }!
            throw DataError("\(displayPath(f.url)): token \(f.tokens[index]) at index \(index) is ≥ vocab_size \(vocabSize) (\(source)); max token is \(m)")
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
