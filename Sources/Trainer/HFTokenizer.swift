import Data
import Foundation

/// The dataset tokenizer as Hugging Face `tokenizers` files (`tokenizer.json` +
/// `tokenizer_config.json`, loadable with `AutoTokenizer.from_pretrained`), where the format
/// expresses it exactly with the same ids:
/// - char: a WordLevel model over the characters, each character split off on its own
///   (regex `[\s\S]`), decoded by concatenation (`Fuse`).
/// - byte: a byte-level BPE model without merges: id b is byte b, written in GPT-2's
///   byte-to-unicode alphabet as the ByteLevel pre-tokenizer and decoder expect.
/// - bpe: nil. Our merges act on a pre-splitting that differs from the GPT-2 regex HF's
///   ByteLevel pre-tokenizer applies, so the same text could tokenize differently.
enum HFTokenizer {
    static func files(for tokenizer: any Tokenizer) -> [String: Any]? {
        switch tokenizer {
        case let char as CharTokenizer:
            let vocab = Dictionary(uniqueKeysWithValues: char.itos.enumerated().map { (String($0.element), $0.offset) })
            return tokenizerJSON(
                model: ["type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"],
                preTokenizer: ["type": "Split", "pattern": ["Regex": "[\\s\\S]"], "behavior": "Isolated", "invert": false],
                decoder: ["type": "Fuse"])
        case is ByteTokenizer:
            let alphabet = byteAlphabet()
            let vocab = Dictionary(uniqueKeysWithValues: (0..<256).map { (String(alphabet[$0]), $0) })
            let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false]
            return tokenizerJSON(
                model: ["type": "BPE", "vocab": vocab, "merges": [String](), "dropout": NSNull(), "unk_token": NSNull(),
                        "continuing_subword_prefix": NSNull(), "end_of_word_suffix": NSNull(), "fuse_unk": false,
                        "byte_fallback": false, "ignore_merges": false],
                preTokenizer: byteLevel, decoder: byteLevel)
        default:
            return nil
        }
    }

    static func tokenizerJSON(model: [String: Any], preTokenizer: [String: Any], decoder: [String: Any]) -> [String: Any] {
        ["version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": [Any](),
         "normalizer": NSNull(), "pre_tokenizer": preTokenizer, "post_processor": NSNull(),
         "decoder": decoder, "model": model]
    }

    static var config: [String: Any] { ["tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": false] }

    /// GPT-2's `bytes_to_unicode`: printable Latin-1 bytes stand for themselves, the other bytes
    /// for U+0100 onwards in byte order.
    static func byteAlphabet() -> [Unicode.Scalar] {
        var next: UInt32 = 256
        return (0..<256).map { b in
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable { return Unicode.Scalar(UInt32(b))! }
            defer { next += 1 }
            return Unicode.Scalar(next)!
        }
    }
}
