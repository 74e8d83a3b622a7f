import Foundation
import Testing
import Data

@Suite struct TokenFileTests {
    @Test func binIsHeaderlessLittleEndianUInt16() throws {
        let dir = try TempDir()
        let url = dir.file("train.bin")
        try writeTokenFile([0x0102, 0xA0B0, 0, 65535], to: url)
        let raw = [UInt8](try Foundation.Data(contentsOf: url))
        #expect(raw == [0x02, 0x01, 0xB0, 0xA0, 0x00, 0x00, 0xFF, 0xFF])
        let f = try TokenFile(url: url, layout: .nanoGPT)
        #expect(Array(f.tokens) == [0x0102, 0xA0B0, 0, 65535])
        #expect(f.maxToken() == 65535)
        // No stray temp files from the atomic write.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["train.bin"])
    }

    @Test func oddSizeAndMissingFilesAreClearErrors() throws {
        let dir = try TempDir()
        let odd = try dir.write("train.bin", [1, 2, 3])
        #expect(dataErrorMessage { _ = try TokenFile(url: odd, layout: .nanoGPT) }
            == "\(odd.path): size 3 bytes is odd; expected headerless uint16 tokens (2 bytes each)")
        let missing = dir.file("nope.bin")
        #expect(dataErrorMessage { _ = try TokenFile(url: missing, layout: .nanoGPT) }
            == "\(missing.path): cannot open token file (no such file)")
        let empty = try dir.write("empty.bin", [])
        #expect(try TokenFile(url: empty, layout: .nanoGPT).count == 0)
    }

    @Test func readsLLMCShard() throws {
        let dir = try TempDir()
        let tokens: [UInt16] = [50256, 15496, 11, 995, 0, 7]
        let url = try dir.write("tiny_train_000000.bin", llmcShard(tokens))
        let f = try TokenFile(url: url, layout: .llmcShard)
        #expect(Array(f.tokens) == tokens)
        #expect(f.maxToken() == 50256)
    }

    @Test func llmcShardHeaderErrors() throws {
        let dir = try TempDir()
        let magic = try dir.write("a.bin", llmcShard([1, 2], magic: 1234))
        #expect(dataErrorMessage { _ = try TokenFile(url: magic, layout: .llmcShard) }
            == "\(magic.path): bad magic 1234 (expected llm.c shard magic 20240520)")
        let version = try dir.write("b.bin", llmcShard([1, 2], version: 2))
        #expect(dataErrorMessage { _ = try TokenFile(url: version, layout: .llmcShard) }
            == "\(version.path): unsupported llm.c shard version 2 (expected 1 = uint16 tokens)")
        let truncated = try dir.write("c.bin", llmcShard([1, 2, 3], declaredCount: 10))
        #expect(dataErrorMessage { _ = try TokenFile(url: truncated, layout: .llmcShard) }
            == "\(truncated.path): header says 10 tokens (1024 + 20 bytes) but the file has 1030 bytes (truncated or not an llm.c shard?)")
        let tiny = try dir.write("d.bin", [1, 2, 3, 4])
        #expect(dataErrorMessage { _ = try TokenFile(url: tiny, layout: .llmcShard) }
            == "\(tiny.path): 4 bytes is shorter than the llm.c shard header (1024 bytes)")
    }

    @Test func datasetFromLLMCShardsConcatenatesInPathOrder() throws {
        let dir = try TempDir()
        try dir.write("fw_train_000002.bin", llmcShard([5, 6, 7]))
        try dir.write("fw_train_000001.bin", llmcShard([1, 2, 3, 4]))
        try dir.write("fw_val_000000.bin", llmcShard([9, 8, 9]))
        try dir.write("notes.txt", text: "ignored")
        let ds = try TokenDataset(directory: dir.url)
        #expect(ds.layout == .llmcShard)
        #expect(ds.train.count == 7)
        #expect(ds.train.tokens(from: 0, count: 7) == [1, 2, 3, 4, 5, 6, 7])
        #expect(ds.train.tokens(from: 2, count: 4) == [3, 4, 5, 6])  // across the shard boundary
        #expect(ds.train[4] == 5)
        #expect(ds.train.contiguous == nil)
        #expect(ds.vocabSize == 10)  // no meta.json: max token + 1
        #expect(ds.meta == nil)
        #expect(try ds.tokenizer() == nil)
        #expect(try TokenDataset(directory: dir.url, fallbackVocabSize: 50257).vocabSize == 50257)
        #expect(dataErrorMessage { _ = try TokenDataset(directory: dir.url, fallbackVocabSize: 8) }
            == "\(dir.url.path)/fw_val_000000.bin: token 9 at index 0 is ≥ vocab_size 8 (given, no meta.json); max token is 9")
    }

    /// nanoGPT's OpenWebText layout: train.bin/val.bin of uint16 and no meta.json. The trainer
    /// passes model.vocab_size; a token beyond it names the file and its index.
    @Test func nanoGPTDirectoryWithoutMetaTakesTheModelVocab() throws {
        let dir = try TempDir()
        try dir.write("train.bin", littleEndianBytes([50256, 11, 0, 13] as [UInt16]))
        try dir.write("val.bin", littleEndianBytes([464, 50256] as [UInt16]))
        let ds = try TokenDataset(directory: dir.url, fallbackVocabSize: 50304, fallbackSource: "model.vocab_size")
        #expect(ds.meta == nil && ds.layout == .nanoGPT)
        #expect(ds.vocabSize == 50304 && ds.vocabSource == "model.vocab_size, no meta.json")
        #expect(ds.train.count == 4 && ds.val.count == 2 && ds.maxToken() == 50256)
        #expect(try ds.tokenizer() == nil)
        #expect(dataErrorMessage { _ = try TokenDataset(directory: dir.url, fallbackVocabSize: 500, fallbackSource: "model.vocab_size") }
            == "\(dir.url.path)/train.bin: token 50256 at index 0 is ≥ vocab_size 500 (model.vocab_size, no meta.json); max token is 50256")
        try dir.write("val.bin", littleEndianBytes([464, 600] as [UInt16]))
        #expect(dataErrorMessage { _ = try TokenDataset(directory: dir.url, fallbackVocabSize: 50000, fallbackSource: "model.vocab_size") }
            == "\(dir.url.path)/train.bin: token 50256 at index 0 is ≥ vocab_size 50000 (model.vocab_size, no meta.json); max token is 50256")
        try dir.write("train.bin", littleEndianBytes([1, 2, 3] as [UInt16]))
        #expect(dataErrorMessage { _ = try TokenDataset(directory: dir.url, fallbackVocabSize: 500, fallbackSource: "model.vocab_size") }
            == "\(dir.url.path)/val.bin: token 600 at index 1 is ≥ vocab_size 500 (model.vocab_size, no meta.json); max token is 600")
    }

    @Test func datasetErrors() throws {
        let dir = try TempDir()
        let missing = dir.file("nothing")
        #expect(dataErrorMessage { _ = try TokenDataset(directory: missing) }
            == "\(missing.path): no such dataset directory (make one with `windtunnel data prepare`)")
        #expect(dataErrorMessage { _ = try TokenDataset(directory: dir.url) }
            == "\(dir.url.path): no train.bin/val.bin (nanoGPT) or *_train*.bin/*_val*.bin (llm.c shards) found")
        try writeTokenFile([1, 2, 3], to: dir.file("train.bin"))
        #expect(dataErrorMessage { _ = try TokenDataset(directory: dir.url) }
            == "\(dir.file("val.bin").path): cannot open token file (no such file)")
    }

    @Test func datasetChecksMetaCountsAndVocab() throws {
        let dir = try TempDir()
        let meta = DatasetMeta(tokenizer: ByteTokenizer(), source: "x", sourceFiles: 1, sourceBytes: 6,
                               trainTokens: 4, valTokens: 2, valFraction: 0.33)
        try writeTokenFile([1, 2, 3, 4], to: dir.file("train.bin"))
        try writeTokenFile([5, 6], to: dir.file("val.bin"))
        try meta.save(to: dir.file("meta.json"))
        let ds = try TokenDataset(directory: dir.url)
        #expect(ds.layout == .nanoGPT)
        #expect(ds.vocabSize == 256)
        #expect(ds.maxToken() == 6)
        #expect(ds.train.contiguous.map(Array.init) == [1, 2, 3, 4])
        #expect(try ds.tokenizer()?.kind == .byte)

        try writeTokenFile([1, 2, 3, 4, 5], to: dir.file("train.bin"))
        #expect(dataErrorMessage { _ = try TokenDataset(directory: dir.url) }
            == "\(dir.file("train.bin").path): has 5 tokens but meta.json train_tokens says 4 (files from different prepare runs?)")

        try writeTokenFile([1, 2, 300, 4], to: dir.file("train.bin"))
        #expect(dataErrorMessage { _ = try TokenDataset(directory: dir.url) }
            == "\(dir.file("train.bin").path): token 300 at index 2 is ≥ vocab_size 256 (from meta.json); max token is 300")
        #expect(try TokenDataset(directory: dir.url, validate: false).maxToken() == 300)
    }
}
