// `windtunnel data prepare`: a corpus in, nanoGPT token directory out. The corpus (text, JSON
// Lines, gzip-compressed or not, a file or a directory: `CorpusReader`) is tokenized as one
// stream; the last `valFraction` of the tokens is val (a deterministic split, no shuffling, like
// nanoGPT's first-90%/last-10% text split but cut in token space).
//
// Streaming, memory bounded whatever the corpus size: char and bpe read the corpus twice (once
// for the vocabulary — the set of characters, or BPE's table of distinct chunks with counts —
// once to encode; gzip is decompressed twice), byte reads it once. Tokens go straight to a temp
// file; once their count is known the tail is copied to val.bin's temp file and train.bin's is
// truncated. The tokens equal encoding the whole concatenated text at once (the tests check it
// at block sizes down to 1 byte). BPE training memory grows with the number of distinct
// pre-split chunks, which a large web corpus has millions of, not with its size.

import Foundation

public struct PrepareOptions: Sendable {
    public var input: URL
    public var tokenizer: TokenizerKind
    /// bpe only (default 4096); char and byte vocabularies are fixed by the data.
    public var vocabSize: Int?
    public var valFraction: Double
    public var output: URL
    /// The field of each JSON Lines object that holds the document's text.
    public var textField: String
    /// Bytes read (and tokens buffered) at a time; the memory bound, small in tests to cross
    /// block boundaries everywhere.
    public var blockBytes: Int

    public init(input: URL, tokenizer: TokenizerKind, vocabSize: Int? = nil, valFraction: Double = 0.1, output: URL,
                textField: String = "text", blockBytes: Int = 1 << 20) {
        self.input = input
        self.tokenizer = tokenizer
        self.vocabSize = vocabSize
        self.valFraction = valFraction
        self.output = output
        self.textField = textField
        self.blockBytes = blockBytes
    }
}

public struct PrepareReport: Sendable {
    public let meta: DatasetMeta
    public let files: [CorpusFile]
    public let stats: CorpusStats
    public let tokenizerSeconds: Double
    public let encodeSeconds: Double
    public var totalTokens: Int { meta.trainTokens + meta.valTokens }
}

public enum DatasetPreparer {
    public static let defaultBPEVocabSize = 4096

    public static func prepare(_ options: PrepareOptions) throws -> PrepareReport {
        let outDir = options.output
        try checkOptions(options)
        let outputs = ["train.bin", "val.bin", DatasetMeta.fileName].map { outDir.appendingPathComponent($0) }
        let files = try inputFiles(at: options.input, excluding: outputs).map(CorpusFile.init)
        let corpus = CorpusReader(files: files, textField: options.textField, requireUTF8: options.tokenizer != .byte,
                                  blockBytes: options.blockBytes)

        // Pass 1 (char, bpe): the vocabulary.
        let clock = ContinuousClock()
        var start = clock.now
        let tokenizer: any Tokenizer
        switch options.tokenizer {
        case .byte:
            tokenizer = ByteTokenizer()
        case .char:
            var scalars = ScalarSet()
            try checkNotEmpty(try corpus.read { try scalars.add($0) }, options)
            tokenizer = try scalars.tokenizer()
        case .bpe:
            var stats = CorpusStats()
            tokenizer = try BPETrainer.train(vocabSize: options.vocabSize ?? defaultBPEVocabSize) { add in
                stats = try corpus.read(add)
            }
            try checkNotEmpty(stats, options)
        }
        let tokenizerSeconds = seconds(clock.now - start)

        // Pass 2: encode into staged files. Nothing is left behind on failure, not even the
        // output directory if this run created it.
        start = clock.now
        let createdDirectory = !FileManager.default.fileExists(atPath: outDir.path)
        do {
            try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        } catch {
            throw DataError("\(displayPath(outDir)): cannot create output directory")
        }
        let staged: StagedSplit
        do {
            staged = try encode(corpus, with: tokenizer, options: options, train: outputs[0], val: outputs[1])
        } catch {
            if createdDirectory { rmdir(outDir.path) }
            throw error
        }
        let encodeSeconds = seconds(clock.now - start)
        let meta = DatasetMeta(tokenizer: tokenizer, source: displayPath(options.input), sourceFiles: files.count,
                               sourceBytes: staged.stats.bytes, trainTokens: staged.trainTokens, valTokens: staged.valTokens,
                               valFraction: options.valFraction)

        // meta.json marks a complete dataset: stage both .bin files, drop the old meta.json,
        // swap the .bin files in, write meta.json last — a crash never leaves new .bin files
        // next to a meta.json describing old ones.
        let metaURL = outputs[2]
        if FileManager.default.fileExists(atPath: metaURL.path) {
            do { try FileManager.default.removeItem(at: metaURL) } catch {
                unlink(staged.train.path)
                unlink(staged.val.path)
                throw DataError("\(displayPath(metaURL)): cannot replace (remove failed)")
            }
        }
        try commitStagedFile(staged.train, to: outputs[0])
        try commitStagedFile(staged.val, to: outputs[1])
        try meta.save(to: metaURL)
        return PrepareReport(meta: meta, files: files, stats: staged.stats, tokenizerSeconds: tokenizerSeconds,
                             encodeSeconds: encodeSeconds)
    }

    private struct StagedSplit {
        var train: URL
        var val: URL
        var trainTokens: Int
        var valTokens: Int
        var stats: CorpusStats
    }

    /// Encodes the corpus into a temp file for `train`, then moves the last `valFraction` of the
    /// tokens to a temp file for `val`. Temp files are removed on any error.
    private static func encode(_ corpus: CorpusReader, with tokenizer: any Tokenizer, options: PrepareOptions,
                               train: URL, val: URL) throws -> StagedSplit {
        let trainFile = try StagedFile(for: train)
        var encoder = BlockEncoder(tokenizer)
        var tokens: [UInt16] = []
        tokens.reserveCapacity(options.blockBytes + 64)
        var total = 0
        func drain() throws {
            try tokens.withUnsafeBytes { try trainFile.write($0) }
            total += tokens.count
            tokens.removeAll(keepingCapacity: true)
        }
        let stats = try corpus.read { block in
            try encoder.encode(block, final: false, into: &tokens)
            if tokens.count >= options.blockBytes { try drain() }
        }
        try encoder.encode(UnsafeBufferPointer(start: nil, count: 0), final: true, into: &tokens)
        try drain()
        try checkNotEmpty(stats, options)

        let valCount = Int((Double(total) * options.valFraction).rounded())
        let trainCount = total - valCount
        guard valCount >= 1, trainCount >= 1 else {
            throw DataError("\(displayPath(options.input)): \(total) tokens is too few to split with --val-fraction \(options.valFraction) (train \(trainCount), val \(valCount))")
        }
        let valFile = try StagedFile(for: val)
        var buffer = [UInt8](repeating: 0, count: min(2 * valCount, max(2 * options.blockBytes, 2)))
        var offset = 2 * trainCount
        while offset < 2 * total {
            let n = min(buffer.count, 2 * total - offset)
            try buffer.withUnsafeMutableBytes { b in
                let part = UnsafeMutableRawBufferPointer(rebasing: b[0..<n])
                try trainFile.read(at: offset, into: part)
                try valFile.write(UnsafeRawBufferPointer(part))
            }
            offset += n
        }
        try trainFile.truncate(to: 2 * trainCount)
        let stagedTrain = try trainFile.finish()
        do {
            let stagedVal = try valFile.finish()
            return StagedSplit(train: stagedTrain, val: stagedVal, trainTokens: trainCount, valTokens: valCount, stats: stats)
        } catch {
            unlink(stagedTrain.path)
            throw error
        }
    }

    private static func checkNotEmpty(_ stats: CorpusStats, _ options: PrepareOptions) throws {
        guard stats.bytes == 0 else { return }
        let why = stats.emptyDocuments > 0
            ? " (all \(stats.emptyDocuments) JSON Lines documents have an empty \"\(options.textField)\")" : ""
        throw DataError("\(displayPath(options.input)): input is empty\(why)")
    }

    static func checkOptions(_ o: PrepareOptions) throws {
        guard o.blockBytes >= 1 else { throw DataError("block size \(o.blockBytes) bytes must be at least 1") }
        guard o.valFraction > 0, o.valFraction < 1 else {
            throw DataError("--val-fraction \(o.valFraction) must be between 0 and 1 (exclusive)")
        }
        if let v = o.vocabSize {
            guard o.tokenizer == .bpe else {
                throw DataError("--vocab-size applies to --tokenizer bpe only (the \(o.tokenizer.rawValue) vocabulary is fixed by the data)")
            }
            guard v <= 65536 else { throw DataError("--vocab-size \(v) does not fit uint16 token files (max 65536)") }
            guard v >= 256 else { throw DataError("--vocab-size \(v) is below 256 (byte-level BPE starts from the 256 bytes)") }
        }
    }

    /// A file, or every regular non-hidden file under a directory (recursively, hidden
    /// directories skipped) sorted by path; `excluding` drops our own outputs when --out is
    /// inside --input.
    public static func inputFiles(at input: URL, excluding: [URL] = []) throws -> [URL] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: input.path, isDirectory: &isDir) else {
            throw DataError("\(displayPath(input)): no such input file or directory")
        }
        guard isDir.boolValue else { return [input] }
        let skip = Set(excluding.map { $0.standardizedFileURL.path })
        guard let walker = fm.enumerator(at: input, includingPropertiesForKeys: [.isRegularFileKey],
                                         options: [.skipsHiddenFiles]) else {
            throw DataError("\(displayPath(input)): cannot list directory")
        }
        var found: [URL] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            guard !skip.contains(url.standardizedFileURL.path) else { continue }
            found.append(url)
        }
        guard !found.isEmpty else { throw DataError("\(displayPath(input)): directory has no (non-hidden) files") }
        return found.sorted { $0.path < $1.path }
    }
}

/// A tokenizer applied to a corpus streamed in blocks (char: blocks end on character
/// boundaries; bpe: `BPEStreamEncoder` carries chunks across blocks).
private enum BlockEncoder {
    case byte
    case char(CharTokenizer)
    case bpe(BPEStreamEncoder)

    init(_ tokenizer: any Tokenizer) {
        switch tokenizer {
        case let c as CharTokenizer: self = .char(c)
        case let b as BPETokenizer: self = .bpe(BPEStreamEncoder(b))
        default: self = .byte
        }
    }

    mutating func encode(_ block: UnsafeBufferPointer<UInt8>, final: Bool, into out: inout [UInt16]) throws {
        switch self {
        case .byte:
            for b in block { out.append(UInt16(b)) }
        case .char(let c):
            try c.encode(block, into: &out)
        case .bpe(var encoder):
            self = .byte  // release the payload so the encoder's buffers are not copied
            encoder.encode(block, final: final, into: &out)
            self = .bpe(encoder)
        }
    }
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
