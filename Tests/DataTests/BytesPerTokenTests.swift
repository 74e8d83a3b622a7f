import Foundation
import Testing
import Data

/// Bytes per token: the UTF-8 bytes a split decodes to, over its tokens (bits per byte in `eval`).
@Suite struct BytesPerTokenTests {
    func stream(_ tokens: [UInt16], in dir: TempDir) throws -> TokenStream {
        let url = try dir.write("val.bin", littleEndianBytes(tokens))
        return TokenStream(name: "val.bin", files: [try TokenFile(url: url, layout: .nanoGPT)])
    }

    @Test func charTokensCountTheirUTF8Lengths() throws {
        let dir = try TempDir()
        let text = "héllo, wörld € 🙂\n"
        let char = try CharTokenizer.fit(bytes: Array(text.utf8))
        let tokens = try char.encode(text)
        let s = try stream(tokens, in: dir)
        #expect(s.bytesPerToken(tokenizer: char) == Double(text.utf8.count) / Double(tokens.count))
        #expect(text.utf8.count > tokens.count)  // the multi-byte characters count as such
    }

    @Test func bytesAreOnePerTokenAndBPEGivesBackTheCorpusBytes() throws {
        let dir = try TempDir()
        let text = syntheticText(words: 400)
        #expect(try stream(ByteTokenizer().encode(text), in: dir).bytesPerToken(tokenizer: ByteTokenizer()) == 1)
        let bpe = try BPETrainer.train(corpus: Array(text.utf8), vocabSize: 300)
        let tokens = try bpe.encode(text)
        let other = try TempDir()
        #expect(try stream(tokens, in: other).bytesPerToken(tokenizer: bpe) == Double(text.utf8.count) / Double(tokens.count))
        #expect(abs(bitsPerByte(loss: 2 * log(2), bytesPerToken: 4) - 0.5) < 1e-12)
    }
}
