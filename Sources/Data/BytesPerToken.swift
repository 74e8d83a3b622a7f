// Bytes per token of a token stream: the conversion from nats per token to bits per byte, the
// tokenizer-independent loss (`windtunnel eval`). The bytes are those the tokens decode to with
// the dataset's tokenizer, counted as UTF-8: exactly the corpus bytes for byte and BPE tokenizers
// (which are lossless), and each character's UTF-8 length for char.

extension TokenStream {
    /// UTF-8 bytes the whole stream decodes to with `tokenizer`, over its token count. Decodes in
    /// chunks, so memory stays bounded for any split size. Nil for an empty stream.
    public func bytesPerToken(tokenizer: any Tokenizer) -> Double? {
        guard count > 0 else { return nil }
        let chunk = 1 << 16
        var bytes = 0
        var start = 0
        while start < count {
            let n = Swift.min(chunk, count - start)
            // Every token decodes to its own bytes, so chunk boundaries change nothing.
            bytes += tokenizer.decodeBytes(tokens(from: start, count: n)).count
            start += n
        }
        return Double(bytes) / Double(count)
    }
}

/// Bits per byte from a mean loss in nats per token: loss / ln 2 / (bytes per token).
public func bitsPerByte(loss: Double, bytesPerToken: Double) -> Double {
    loss / 0.693_147_180_559_945_3 / bytesPerToken
}
