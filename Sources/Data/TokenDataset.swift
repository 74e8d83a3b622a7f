// A token directory as the trainer sees it: train and val streams plus the vocabulary size.
// Accepted layouts, checked in this order:
// 1. nanoGPT: train.bin + val.bin (+ meta.json, written by `windtunnel data prepare`).
// 2. llm.c: shards whose names contain "_train" / "_val" and end in ".bin" (e.g.
//    fineweb_train_000001.bin, tiny_shakespeare_val.bin). All shards of a split are used,
//    concatenated in sorted path order.
// Vocab size: meta.json's vocab_size; without meta.json (nanoGPT's OpenWebText, llm.c's GPT-2
// shards), `fallbackVocabSize` if given (the trainer passes model.vocab_size), else the largest
// token + 1 over both splits.

import Foundation

public final class TokenDataset: @unchecked Sendable {
    public let directory: URL
    public let layout: TokenFileLayout
    public let train: TokenStream
    public let val: TokenStream
    public let meta: DatasetMeta?
    public let vocabSize: Int
    /// Where `vocabSize` came from, for messages ("meta.json", "given", "max token + 1").
    public let vocabSource: String

    /// Opens `directory`. With `validate`, scans every token once (fast, memory bandwidth bound)
    /// and throws if any is ≥ vocabSize, naming the file and index; meta.json's token counts are
    /// always checked. `fallbackSource` names where `fallbackVocabSize` came from in messages.
    public init(directory: URL, fallbackVocabSize: Int? = nil, fallbackSource: String = "given",
                validate: Bool = true) throws {
        let dir = displayPath(directory)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir) else {
            throw DataError("\(dir): no such dataset directory (make one with `windtunnel data prepare`)")
        }
        guard isDir.boolValue else { throw DataError("\(dir): expected a dataset directory, found a file") }
        self.directory = directory

        let metaURL = directory.appendingPathComponent(DatasetMeta.fileName)
        let meta = FileManager.default.fileExists(atPath: metaURL.path) ? try DatasetMeta.load(from: metaURL) : nil
        self.meta = meta

        let trainURL = directory.appendingPathComponent("train.bin")
        let valURL = directory.appendingPathComponent("val.bin")
        let fm = FileManager.default
        if fm.fileExists(atPath: trainURL.path) || fm.fileExists(atPath: valURL.path) {
            layout = .nanoGPT
            train = TokenStream(name: displayPath(trainURL), files: [try TokenFile(url: trainURL, layout: .nanoGPT)])
            val = TokenStream(name: displayPath(valURL), files: [try TokenFile(url: valURL, layout: .nanoGPT)])
        } else {
            let names = (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
            func shards(_ tag: String) -> [URL] {
                names.filter { !$0.hasPrefix(".") && $0.hasSuffix(".bin") && ($0.contains("_\(tag)_") || $0.hasSuffix("_\(tag).bin")) }
                    .sorted().map { directory.appendingPathComponent($0) }
            }
            let trainShards = shards("train"), valShards = shards("val")
            guard !trainShards.isEmpty || !valShards.isEmpty else {
                throw DataError("\(dir): no train.bin/val.bin (nanoGPT) or *_train*.bin/*_val*.bin (llm.c shards) found")
            }
            guard !trainShards.isEmpty else { throw DataError("\(dir): llm.c val shards found but no *_train*.bin shard") }
            guard !valShards.isEmpty else { throw DataError("\(dir): llm.c train shards found but no *_val*.bin shard") }
            func stream(_ urls: [URL], _ tag: String) throws -> TokenStream {
                let name = urls.count == 1 ? displayPath(urls[0]) : "\(dir)/*_\(tag)*.bin (\(urls.count) shards)"
                return TokenStream(name: name, files: try urls.map { try TokenFile(url: $0, layout: .llmcShard) })
            }
            layout = .llmcShard
            train = try stream(trainShards, "train")
            val = try stream(valShards, "val")
        }

        if let meta {
            for (stream, declared, key) in [(train, meta.trainTokens, "train_tokens"), (val, meta.valTokens, "val_tokens")]
            where stream.count != declared {
                throw DataError("\(stream.name): has \(stream.count) tokens but meta.json \(key) says \(declared) (files from different prepare runs?)")
            }
            vocabSize = meta.vocabSize
            vocabSource = "from meta.json"
        } else if let fallbackVocabSize {
            guard (1...65536).contains(fallbackVocabSize) else {
                throw DataError("vocab size \(fallbackVocabSize) outside 1...65536 (uint16 tokens)")
            }
            vocabSize = fallbackVocabSize
            vocabSource = "\(fallbackSource), no meta.json"
        } else {
            let m = [train.maxToken(), val.maxToken()].compactMap { $0 }.max()
            vocabSize = m.map { Int($0) + 1 } ?? 1
            vocabSource = "max token + 1, no meta.json"
        }
        if validate {
            try train.validate(vocabSize: vocabSize, declaredBy: vocabSource)
            try val.validate(vocabSize: vocabSize, declaredBy: vocabSource)
        }
    }

    /// The largest token id in either split (a full scan).
    public func maxToken() -> UInt16? {
        [train.maxToken(), val.maxToken()].compactMap { $0 }.max()
    }

    /// The tokenizer from meta.json, for decoding samples; nil when there is no meta.json
    /// (e.g. llm.c GPT-2 shards, whose vocabulary we do not ship).
    public func tokenizer() throws -> (any Tokenizer)? {
        try meta?.makeTokenizer()
    }
}
