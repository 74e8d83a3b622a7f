import CZlib
import Foundation
import Testing
import Data

/// `data prepare` on corpora as users have them: streamed in small blocks, JSON Lines, gzip.
@Suite struct CorpusTests {
    /// Text with everything a block boundary can cut: multi-byte characters, contractions, long
    /// whitespace runs before words (the splitter's longest look past a chunk: a 3-byte space,
    /// then a 4-byte letter), across three files (chunks also run across files).
    static let files = [
        syntheticText(words: 700, seed: 1) + "  \n\t  they're   \u{3000}word \u{3000}\u{3000}\u{20000}\u{20001} \u{20002}",
        "'ll go" + syntheticText(words: 500, seed: 2) + "     ",
        "x东京 don't\n\n\n" + syntheticText(words: 600, seed: 3),
    ]

    /// The tokens of a prepared directory, train then val.
    func tokens(_ dir: URL) throws -> [UInt16] {
        let ds = try TokenDataset(directory: dir)
        return (ds.train.tokens(from: 0, count: ds.train.count) + ds.val.tokens(from: 0, count: ds.val.count)).map { UInt16($0) }
    }

    @Test(arguments: [TokenizerKind.byte, .char, .bpe])
    func streamingInSmallBlocksEqualsEncodingTheWholeText(kind: TokenizerKind) throws {
        let dir = try TempDir()
        for (i, text) in Self.files.enumerated() { try dir.write("in/\(i).txt", text: text) }
        let whole = Array(Self.files.joined().utf8)
        let vocab = kind == .bpe ? 400 : nil
        let expectedTokenizer: any Tokenizer = switch kind {
        case .byte: ByteTokenizer()
        case .char: try CharTokenizer.fit(bytes: whole)
        case .bpe: try BPETrainer.train(corpus: whole, vocabSize: 400)
        }
        let expected = try expectedTokenizer.encode(bytes: whole)
        let valCount = Int((Double(expected.count) * 0.1).rounded())
        var reference: Foundation.Data?
        for blockBytes in [1, 7, 64, 1 << 20] {
            let out = dir.file("out-\(blockBytes)")
            let r = try DatasetPreparer.prepare(PrepareOptions(input: dir.file("in"), tokenizer: kind, vocabSize: vocab,
                                                               output: out, blockBytes: blockBytes))
            #expect(r.meta.sourceBytes == whole.count)
            #expect(r.meta.valTokens == valCount)
            #expect(r.meta.vocabSize == expectedTokenizer.vocabSize)
            #expect(try tokens(out) == expected, "block \(blockBytes)")
            let meta = try Foundation.Data(contentsOf: out.appendingPathComponent("meta.json"))
            if let reference { #expect(meta == reference) } else { reference = meta }
        }
    }

    @Test func jsonLinesDocumentsAreFollowedByABlankLine() throws {
        let dir = try TempDir()
        let lines = [
            "\u{FEFF}{\"text\": \"First doc.\", \"id\": 1}",
            "",
            "  ",
            "{\"id\": 2, \"text\": \"Second\\ndoc \\u00e9\\ud83d\\ude00\"}\r",
            "{\"text\": \"\"}",
            "{\"text\": \"last, no newline\"}",
        ]
        try dir.write("c/a.jsonl", text: lines.joined(separator: "\n"))
        try dir.write("c/b.txt", text: "plain tail")
        for blockBytes in [3, 1 << 20] {
            let out = dir.file("out\(blockBytes)")
            let r = try DatasetPreparer.prepare(PrepareOptions(input: dir.file("c"), tokenizer: .char, output: out, blockBytes: blockBytes))
            let text = "First doc.\n\nSecond\ndoc é😀\n\nlast, no newline\n\nplain tail"
            #expect(r.stats == CorpusStats(bytes: text.utf8.count, documents: 4, emptyDocuments: 1))
            let tok = try #require(try TokenDataset(directory: out).tokenizer())
            #expect(tok.decode(try tokens(out)) == text)
        }
        // Another field, through gzip.
        try dir.write("other.jsonl.gz", gzip(Array("{\"content\": \"abc\"}\n{\"content\": \"de\"}\n".utf8)))
        let r = try DatasetPreparer.prepare(PrepareOptions(input: dir.file("other.jsonl.gz"), tokenizer: .byte,
                                                           output: dir.file("o2"), textField: "content"))
        #expect(try tokens(dir.file("o2")).map { UInt8($0) } == Array("abc\n\nde\n\n".utf8))
        #expect(r.files.map(\.format) == [.jsonl] && r.files.map(\.gzip) == [true])
    }

    @Test func gzipIsDetectedByMagicAndMembersConcatenate() throws {
        let dir = try TempDir()
        let text = Self.files[0] + Self.files[2]
        let bytes = Array(text.utf8)
        let half = bytes.count / 2
        // Two gzip members back to back (cat a.gz b.gz), and no .gz in the name.
        try dir.write("corpus.txt", gzip(Array(bytes[..<half])) + gzip(Array(bytes[half...])))
        for blockBytes in [5, 1 << 20] {
            let out = dir.file("out\(blockBytes)")
            let r = try DatasetPreparer.prepare(PrepareOptions(input: dir.file("corpus.txt"), tokenizer: .bpe, vocabSize: 300,
                                                               output: out, blockBytes: blockBytes))
            #expect(r.meta.sourceBytes == bytes.count)
            #expect(r.files.map(\.gzip) == [true])
            let tok = try #require(try TokenDataset(directory: out).tokenizer())
            #expect(tok.decode(try tokens(out)) == text)
        }
    }

    /// Each bad input: one message naming the file (and line, field), and no output directory.
    @Test func badInputsNameTheFileLineAndField() throws {
        let dir = try TempDir()
        let out = dir.file("out")
        func message(_ name: String, _ bytes: [UInt8], _ kind: TokenizerKind = .byte) throws -> String {
            let input = try dir.write(name, bytes)
            defer { try? FileManager.default.removeItem(at: input) }
            return dataErrorMessage { _ = try DatasetPreparer.prepare(PrepareOptions(input: input, tokenizer: kind, output: out, blockBytes: 16)) }
        }
        func jsonl(_ lines: String...) -> [UInt8] { Array(lines.joined(separator: "\n").utf8) }
        let p = dir.url.path
        let good = "{\"text\": \"fine\"}"
        for kind in [TokenizerKind.byte, .char, .bpe] {
            #expect(try message("a.jsonl", jsonl(good, "{\"body\": \"x\", \"id\": 3}"), kind)
                == "\(p)/a.jsonl:2: no \"text\" field (the object has \"body\", \"id\"; choose the field with --text-field)")
            #expect(try message("a.jsonl", jsonl(good, good, "{\"text\": \"x\""), kind)
                == "\(p)/a.jsonl:3: not valid JSON (column 13: unexpected end of input inside an object)")
            #expect(try message("a.jsonl", jsonl("\"just a string\""), kind)
                == "\(p)/a.jsonl:1: expected a JSON object with a \"text\" string field, found a string")
            #expect(try message("a.jsonl", jsonl(good, "{\"text\": [\"a\"]}"), kind)
                == "\(p)/a.jsonl:2: field \"text\" is an array, expected a string")
            #expect(try message("a.jsonl", jsonl("{\"text\": \"\"}", "", "{\"text\": \"\"}"), kind)
                == "\(p)/a.jsonl: input is empty (all 2 JSON Lines documents have an empty \"text\")")
            let compressed = gzip(Array(Self.files[0].utf8))
            #expect(try message("t.txt.gz", Array(compressed.dropLast(12)), kind)
                == "\(p)/t.txt.gz: truncated gzip stream (the file ends inside compressed data)")
            var corrupt = compressed
            corrupt[corrupt.count - 8] ^= 0xFF  // the CRC-32 of the member: all text reads, the check fails
            #expect(try message("t.txt.gz", corrupt, kind) == "\(p)/t.txt.gz: corrupt gzip stream (incorrect data check)")
            corrupt = compressed
            corrupt[2] = 7  // compression method
            #expect(try message("t.txt.gz", corrupt, kind) == "\(p)/t.txt.gz: corrupt gzip stream (unknown compression method)")
            #expect(try message("t.txt.gz", Array("plain".utf8), kind)
                == "\(p)/t.txt.gz: named .gz but not gzip-compressed (it does not start with the gzip magic bytes 1f 8b)")
            #expect(try message("e.txt.gz", gzip([]), kind) == "\(p)/e.txt.gz: input is empty")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(kind)")
        }
        // Not UTF-8 after decompression: the offset is in the decompressed text.
        #expect(try message("u.gz", gzip(Array(repeating: 0x61, count: 40) + [0xE2, 0x82]), .char)
            == "\(p)/u.gz: not valid UTF-8 at byte 40 of the decompressed text (char and bpe need UTF-8 text; --tokenizer byte takes raw bytes)")
        #expect(try message("u.txt", Array(repeating: 0x61, count: 30) + [0xC3, 0x28], .bpe)
            == "\(p)/u.txt: not valid UTF-8 at byte 30 (char and bpe need UTF-8 text; --tokenizer byte takes raw bytes)")
    }

    @Test func anExistingOutputDirectoryIsLeftAsItWasOnErrors() throws {
        let dir = try TempDir()
        try dir.write("in.txt", text: "old corpus text, long enough to split")
        let out = dir.file("out")
        _ = try DatasetPreparer.prepare(PrepareOptions(input: dir.file("in.txt"), tokenizer: .byte, output: out))
        let before = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        let old = try tokens(out)
        try dir.write("bad.jsonl", text: "{\"text\": \"ok\"}\n{\"text\": 5}\n")
        #expect(dataErrorMessage { _ = try DatasetPreparer.prepare(PrepareOptions(input: dir.file("bad.jsonl"), tokenizer: .byte, output: out)) }
            == "\(dir.url.path)/bad.jsonl:2: field \"text\" is a number, expected a string")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == before)
        #expect(try tokens(out) == old)
    }
}

/// `bytes` gzip-compressed by zlib (one member).
func gzip(_ bytes: [UInt8]) -> [UInt8] {
    // zlib checks that its z_stream stays at one address.
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    precondition(windtunnel_deflate_init_gzip(stream) == Z_OK)
    defer { deflateEnd(stream); stream.deallocate() }
    var out = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(bytes.count))) + 64)
    var input = bytes
    let written = input.withUnsafeMutableBufferPointer { inp in
        out.withUnsafeMutableBufferPointer { o in
            stream.pointee.next_in = inp.baseAddress
            stream.pointee.avail_in = uInt(inp.count)
            stream.pointee.next_out = o.baseAddress
            stream.pointee.avail_out = uInt(o.count)
            precondition(deflate(stream, Z_FINISH) == Z_STREAM_END)
            return o.count - Int(stream.pointee.avail_out)
        }
    }
    return Array(out[..<written])
}
