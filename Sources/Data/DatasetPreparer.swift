// `windtunnel data prepare`: text in, nanoGPT token directory out. The whole corpus is tokenized
// as one stream; the last `valFraction` of the tokens is val (a deterministic split, no shuffling,
// like nanoGPT's first-90%/last-10% text split but cut in token space).

import Foundation

public struct PrepareOptions: Sendable {
    public var input: URL
    public var tokenizer: TokenizerKind
    /// bpe only (default 4096); char and byte vocabularies are fixed by the data.
    public var vocabSize: Int?
    public var valFraction: Double
    public var output: URL

    public init(input: URL, tokenizer: TokenizerKind, vocabSize: Int? = nil, valFraction: Double = 0.1, output: URL) {
        self.input = input
        self.tokenizer = tokenizer
        self.vocabSize = vocabSize
        self.valFraction = valFraction
        self.output = output
    }
}

public struct PrepareReport: Sendable {
    public let meta: DatasetMeta
    public let files: [URL]
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
        let files = try inputFiles(at: options.input, excluding: outputs)
        let corpus = try readCorpus(files, requireUTF8: options.tokenizer != .byte)
        guard !corpus.isEmpty else { throw DataError("\(displayPath(options.input)): input is empty") }

        let clock = ContinuousClock()
        var start = clock.now
        let tokenizer: any Tokenizer
        switch options.tokenizer {
        case .byte: tokenizer = ByteTokenizer()
        case .char: tokenizer = try CharTokenizer.fit(bytes: corpus)
        case .bpe: tokenizer = try BPETrainer.train(corpus: corpus, vocabSize: options.vocabSize ?? defaultBPEVocabSize)
        }
        let tokenizerSeconds = seconds(clock.now - start)
        start = clock.now
        let tokens = try tokenizer.encode(bytes: corpus)
        let encodeSeconds = seconds(clock.now - start)

        let valCount = Int((Double(tokens.count) * options.valFraction).rounded())
        let trainCount = tokens.count - valCount
        guard valCount >= 1, trainCount >= 1 else {
            throw DataError("\(displayPath(options.input)): \(tokens.count) tokens is too few to split with --val-fraction \(options.valFraction) (train \(trainCount), val \(valCount))")
        }
        let meta = DatasetMeta(tokenizer: tokenizer, source: displayPath(options.input), sourceFiles: files.count,
                               sourceBytes: corpus.count, trainTokens: trainCount, valTokens: valCount,
                               valFraction: options.valFraction)

        do {
            try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        } catch {
            throw DataError("\(displayPath(outDir)): cannot create output directory")
        }
        // meta.json marks a complete dataset: stage both .bin files, drop the old meta.json,
        // swap the .bin files in, write meta.json last — a crash never leaves new .bin files
        // next to a meta.json describing old ones.
        let metaURL = outputs[2]
        let staged = try tokens.withUnsafeBytes { all in
            let train = try stageFile(for: outputs[0], bytes: UnsafeRawBufferPointer(rebasing: all[0..<(2 * trainCount)]))
            do {
                return (train, try stageFile(for: outputs[1], bytes: UnsafeRawBufferPointer(rebasing: all[(2 * trainCount)...])))
            } catch {
                unlink(train.path)
                throw error
            }
        }
        if FileManager.default.fileExists(atPath: metaURL.path) {
            do { try FileManager.default.removeItem(at: metaURL) } catch {
                unlink(staged.0.path)
                unlink(staged.1.path)
                throw DataError("\(displayPath(metaURL)): cannot replace (remove failed)")
            }
        }
        try commitStagedFile(staged.0, to: outputs[0])
        try commitStagedFile(staged.1, to: outputs[1])
        try meta.save(to: metaURL)
        return PrepareReport(meta: meta, files: files, tokenizerSeconds: tokenizerSeconds, encodeSeconds: encodeSeconds)
    }

    static func checkOptions(_ o: PrepareOptions) throws {
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

    /// Concatenates the files' bytes; with `requireUTF8`, names the first file that is not UTF-8.
    static func readCorpus(_ files: [URL], requireUTF8: Bool) throws -> [UInt8] {
        var corpus: [UInt8] = []
        for url in files {
            let bytes: [UInt8]
            do { bytes = [UInt8](try Foundation.Data(contentsOf: url)) } catch {
                throw DataError("\(displayPath(url)): cannot read")
            }
            if requireUTF8, let bad = bytes.withUnsafeBufferPointer(firstInvalidUTF8Offset) {
                throw DataError("\(displayPath(url)): not valid UTF-8 at byte \(bad) (char and bpe need UTF-8 text; --tokenizer byte takes raw bytes)")
            }
            corpus += bytes
        }
        return corpus
    }
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
