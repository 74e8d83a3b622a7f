import Foundation
import RunSchema
import Testing
import Data

@Suite struct TokenizerTests {
    let mixed = "Hello, wörld! naïve café — 東京 🎉\n\ttabs  and 'tis don't 123.45\r\n"

    @Test func byteRoundTripsAnyBytes() throws {
        let t = ByteTokenizer()
        let bytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xC3, 0xFF, 0xFE, 10]
        let ids = t.encode(bytes: bytes)
        #expect(ids == bytes.map(UInt16.init))
        #expect(t.decodeBytes(ids) == bytes)
        #expect(t.vocabSize == 256)
    }

    @Test func charVocabularyIsSortedScalarsAndRoundTrips() throws {
        let t = try CharTokenizer.fit(bytes: Array(mixed.utf8))
        let scalars = Set(mixed.unicodeScalars).sorted { $0.value < $1.value }
        #expect(t.itos == scalars)
        #expect(t.vocabSize == scalars.count)
        let ids = try t.encode(mixed)
        #expect(ids.count == mixed.unicodeScalars.count)  // one token per code point, \r\n is two
        #expect(t.decode(ids) == mixed)
        #expect(t.decodeBytes(ids) == Array(mixed.utf8))
    }

    @Test func charRejectsUnknownCharactersAndInvalidUTF8() throws {
        let t = try CharTokenizer.fit(bytes: Array("abc".utf8))
        #expect(dataErrorMessage { _ = try t.encode("abé") } == "character U+00E9 'é' at byte 2 is not in the char vocabulary (3 characters)")
        #expect(dataErrorMessage { _ = try CharTokenizer.fit(bytes: [0x61, 0xC3]) } == "not valid UTF-8 at byte 1")
        #expect(dataErrorMessage { _ = try CharTokenizer.fit(bytes: [0xED, 0xA0, 0x80]) } == "not valid UTF-8 at byte 0")  // surrogate
    }

    @Test func bpeRoundTripsTextAndArbitraryBytes() throws {
        let corpus = syntheticText(words: 3000) + mixed
        let t = try BPETrainer.train(corpus: Array(corpus.utf8), vocabSize: 320)
        #expect(t.vocabSize == 320)
        for text in [corpus, mixed, "", " ", "unseen wörds ψ and emoji 👩‍👩‍👧", "\n\n\n  x"] {
            #expect(t.decode(t.encode(bytes: Array(text.utf8))) == text)
        }
        var rng = SplitMix64(seed: 3)
        let junk = (0..<5000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }  // mostly invalid UTF-8
        #expect(t.decodeBytes(t.encode(bytes: junk)) == junk)
    }

    @Test func bpeMergesShrinkTheTokenCountAndAreDeterministic() throws {
        let corpus = Array(syntheticText(words: 4000).utf8)
        let small = try BPETrainer.train(corpus: corpus, vocabSize: 300)
        let large = try BPETrainer.train(corpus: corpus, vocabSize: 500)
        let again = try BPETrainer.train(corpus: corpus, vocabSize: 500)
        #expect(large.merges == again.merges)
        #expect(Array(large.merges.prefix(small.merges.count)) == small.merges)  // same greedy path
        let bytes = corpus.count
        let nSmall = small.encode(bytes: corpus).count, nLarge = large.encode(bytes: corpus).count
        #expect(nSmall < bytes)
        #expect(nLarge < nSmall)
    }

    @Test func bpeHandlesManyUniqueChunks() throws {
        // 12k distinct chunks: exercises the chunk table's growth in training and encoding.
        let text = (0..<12000).map { " \($0 * 7919)" }.joined()
        let t = try BPETrainer.train(corpus: Array(text.utf8), vocabSize: 600)
        #expect(t.vocabSize == 600)
        let ids = try t.encode(text)
        #expect(ids.count < text.utf8.count / 2)
        #expect(t.decode(ids) == text)
    }

    @Test func bpeStopsWhenPairsRunOut() throws {
        let t = try BPETrainer.train(corpus: Array("ab ab".utf8), vocabSize: 1000)
        #expect(t.vocabSize < 1000)
        #expect(t.encode(bytes: Array("ab ab".utf8)).count == 2)  // "ab", " ab"
    }

    @Test func bpeVocabSizeLimits() {
        #expect(dataErrorMessage { _ = try BPETrainer.train(corpus: [1, 2], vocabSize: 70000) }
            == "BPE vocab size 70000 does not fit uint16 token files (max 65536)")
        #expect(dataErrorMessage { _ = try BPETrainer.train(corpus: [1, 2], vocabSize: 100) }
            == "BPE vocab size 100 is below 256 (a byte-level BPE vocabulary starts with the 256 bytes)")
    }

    /// Merges and the full encoding must equal a Python reference that uses GPT-2's actual regex
    /// (see Fixtures/make_bpe_golden.py): checks the hand-written pre-splitter, the incremental
    /// trainer (incl. tie-breaks) and rank-order encoding at once.
    @Test func bpeMatchesGPT2RegexReference() throws {
        struct Golden: Decodable { let vocab_size: Int; let merges: [[Int]]; let tokens: [Int] }
        let corpusURL = try #require(Bundle.module.url(forResource: "bpe_corpus", withExtension: "txt", subdirectory: "Fixtures"))
        let goldenURL = try #require(Bundle.module.url(forResource: "bpe_golden", withExtension: "json", subdirectory: "Fixtures"))
        let golden = try JSONDecoder().decode(Golden.self, from: Foundation.Data(contentsOf: goldenURL))
        let corpus = [UInt8](try Foundation.Data(contentsOf: corpusURL))
        let t = try BPETrainer.train(corpus: corpus, vocabSize: golden.vocab_size)
        #expect(t.merges.map { [Int($0.left), Int($0.right)] } == golden.merges)
        #expect(t.encode(bytes: corpus).map(Int.init) == golden.tokens)
    }

    @Test func outOfRangeIdsDecodeAsReplacementCharacter() throws {
        let t = try CharTokenizer.fit(bytes: Array("ab".utf8))
        #expect(t.decode([0, 7, 1]) == "a\u{FFFD}b")
        #expect(ByteTokenizer().decode([104, 300, 105]) == "h\u{FFFD}i")
    }

    @Test func metaRoundTripRebuildsEachTokenizer() throws {
        let dir = try TempDir()
        let corpus = Array(mixed.utf8) + Array(syntheticText(words: 500).utf8)
        let tokenizers: [any Tokenizer] = [
            ByteTokenizer(), try CharTokenizer.fit(bytes: corpus), try BPETrainer.train(corpus: corpus, vocabSize: 300),
        ]
        for t in tokenizers {
            let meta = DatasetMeta(tokenizer: t, source: "in.txt", sourceFiles: 1, sourceBytes: corpus.count,
                                   trainTokens: 9, valTokens: 1, valFraction: 0.1)
            let url = dir.file("meta-\(t.kind.rawValue).json")
            try meta.save(to: url)
            let loaded = try DatasetMeta.load(from: url)
            #expect(loaded == meta)
            let rebuilt = try loaded.makeTokenizer()
            #expect(rebuilt.kind == t.kind)
            #expect(rebuilt.vocabSize == t.vocabSize)
            #expect(try rebuilt.encode(bytes: corpus) == t.encode(bytes: corpus))
            #expect(rebuilt.decodeBytes(try t.encode(bytes: corpus)) == corpus)
        }
        // The char vocabulary is stored like nanoGPT's itos: one string per id.
        let json = try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: dir.file("meta-char.json"))) as! [String: Any]
        #expect((json["itos"] as? [String])?.first == "\t")
        #expect(json["vocab_size"] as? Int == tokenizers[1].vocabSize)
        #expect(json["tokenizer"] as? String == "char")
    }

    @Test func metaLoadErrorsNameTheFile() throws {
        let dir = try TempDir()
        let url = try dir.write("meta.json", text: #"{"tokenizer": "char"}"#)
        let msg = dataErrorMessage { _ = try DatasetMeta.load(from: url) }
        #expect(msg.hasSuffix("meta.json: not a WindTunnel meta.json (missing key \"format\")"))
    }
}
