// Bytes per token of a token stream: the conversion from nats per token to bits per byte, the
// tokenizer-independent loss (`windtunnel eval`, and the trainer's `val_bpb`). The bytes are
// those the tokens decode to with the dataset's tokenizer, counted as UTF-8: exactly the corpus
// bytes for byte and BPE tokenizers (which are lossless), and each character's UTF-8 length for
// char.

extension TokenStream {
    /// UTF-8 bytes the whole stream decodes to with `tokenizer`, over its token count. Nil for an
    /// empty stream. Every token decodes to its own bytes (the tokenizers decode token by token),
    /// so the stream's bytes are the sum of per-token byte lengths: one table lookup per token,
    /// no decoding, no memory beyond the table — the trainer runs this at every start.
    public func bytesPerToken(tokenizer: any Tokenizer) -> Double? {
        guard count > 0 else { return nil }
        // Ids outside the vocabulary decode as U+FFFD, like `decodeBytes`.
        var lengths = [Int](repeating: replacementCharacterUTF8.count, count: Int(UInt16.max) + 1)
        for id in 0..<Swift.min(tokenizer.vocabSize, lengths.count) {
            lengths[id] = tokenizer.decodeBytes(CollectionOfOne(UInt16(id))).count
        }
        var bytes = 0
        lengths.withUnsafeBufferPointer { table in
            for part in parts {
                for t in part { bytes += table[Int(t)] }
            }
        }
        return Double(bytes) / Double(count)
    }
}

/// Bits per byte from a mean loss in nats per token: loss / ln 2 / (bytes per token).
public func bitsPerByte(loss: Double, bytesPerToken: Double) -> Double {
    loss / 0.693_147_180_559_945_3 / bytesPerToken
}
