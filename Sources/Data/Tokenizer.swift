// The tokenizer interface plus the two fixed-vocabulary tokenizers (byte, char). Token ids are
// UInt16 because that is what the token files store (vocabularies ≤ 65536).

/// Which tokenizer a dataset was made with; the `tokenizer` field of meta.json.
public enum TokenizerKind: String, Codable, CaseIterable, Sendable {
    /// One token per Unicode scalar (Python code point) seen in the corpus, sorted — nanoGPT's char.
    case char
    /// One token per byte: vocabulary 256, any input.
    case byte
    /// Byte-level BPE trained on the corpus (`BPETrainer`), GPT-2-style pre-splitting.
    case bpe
}

public protocol Tokenizer: Sendable {
    var kind: TokenizerKind { get }
    var vocabSize: Int { get }
    /// Encodes raw bytes. `char` needs valid UTF-8 made of characters in its vocabulary and throws
    /// otherwise; `byte` and `bpe` accept any bytes.
    func encode(bytes: [UInt8]) throws -> [UInt16]
    /// The bytes the tokens stand for. Ids outside the vocabulary (e.g. sampled from a model's
    /// padded vocabulary) decode as U+FFFD so sample printing never fails.
    func decodeBytes<C: Collection>(_ tokens: C) -> [UInt8] where C.Element: BinaryInteger
}

extension Tokenizer {
    public func encode(_ text: String) throws -> [UInt16] {
        try encode(bytes: Array(text.utf8))
    }

    /// Decoded text; invalid UTF-8 (a BPE or byte sequence cut mid-character) shows as U+FFFD.
    public func decode<C: Collection>(_ tokens: C) -> String where C.Element: BinaryInteger {
        String(decoding: decodeBytes(tokens), as: UTF8.self)
    }
}

let replacementCharacterUTF8: [UInt8] = [0xEF, 0xBF, 0xBD]

/// Vocabulary 256: token = byte value.
public struct ByteTokenizer: Tokenizer {
    public init() {}
    public var kind: TokenizerKind { .byte }
    public var vocabSize: Int { 256 }

    public func encode(bytes: [UInt8]) -> [UInt16] {
        bytes.map { UInt16($0) }
    }

    public func decodeBytes<C: Collection>(_ tokens: C) -> [UInt8] where C.Element: BinaryInteger {
        var out: [UInt8] = []
        out.reserveCapacity(tokens.count)
        for t in tokens {
            if t >= 0 && t < 256 { out.append(UInt8(t)) } else { out += replacementCharacterUTF8 }
        }
        return out
    }
}

/// nanoGPT's character tokenizer: the vocabulary is the list `itos` of Unicode scalars (the
/// distinct code points of the corpus, sorted by value when built with `fit`); id = index.
public struct CharTokenizer: Tokenizer {
    public let itos: [Unicode.Scalar]
    private let asciiIDs: [Int32]  // 128 entries, -1 = not in the vocabulary
    private let otherIDs: [UInt32: UInt16]

    /// Builds from an explicit id → scalar list (e.g. read from meta.json).
    public init(itos: [Unicode.Scalar]) throws {
        guard itos.count <= 65536 else {
            throw DataError("char vocabulary has \(itos.count) characters; uint16 token files hold at most 65536")
        }
        var ascii = [Int32](repeating: -1, count: 128)
        var other: [UInt32: UInt16] = [:]
        for (id, s) in itos.enumerated() {
            let seen = s.value < 128 ? ascii[Int(s.value)] >= 0 : other[s.value] != nil
            if seen { throw DataError("char vocabulary lists \(describe(s)) twice") }
            if s.value < 128 { ascii[Int(s.value)] = Int32(id) } else { other[s.value] = UInt16(id) }
        }
        self.itos = itos
        asciiIDs = ascii
        otherIDs = other
    }

    /// The vocabulary of a corpus: its distinct scalars in increasing code-point order.
    /// Throws if `bytes` is not valid UTF-8 (naming the byte offset).
    public static func fit(bytes: [UInt8]) throws -> CharTokenizer {
        var set = ScalarSet()
        try bytes.withUnsafeBufferPointer { try set.add($0) }
        return try set.tokenizer()
    }

    public var kind: TokenizerKind { .char }
    public var vocabSize: Int { itos.count }

    public func encode(bytes: [UInt8]) throws -> [UInt16] {
        var out: [UInt16] = []
        out.reserveCapacity(bytes.count)
        try bytes.withUnsafeBufferPointer { try encode($0, into: &out) }
        return out
    }

    /// Appends the ids of the characters in `buf` to `out`. A streamed corpus is passed in blocks
    /// that end on character boundaries, so each block encodes on its own.
    func encode(_ buf: UnsafeBufferPointer<UInt8>, into out: inout [UInt16]) throws {
        guard let p = buf.baseAddress else { return }
        let n = buf.count
        var i = 0
        while i < n {
            let d = decodeUTF8(p, at: i, end: n)
            guard d.valid else { throw DataError("not valid UTF-8 at byte \(i)") }
            let id: Int32 = d.value < 128 ? asciiIDs[Int(d.value)] : otherIDs[d.value].map(Int32.init) ?? -1
            guard id >= 0 else {
                throw DataError("character \(describe(Unicode.Scalar(d.value)!)) at byte \(i) is not in the char vocabulary (\(itos.count) characters)")
            }
            out.append(UInt16(id))
            i += d.length
        }
    }

    public func decodeBytes<C: Collection>(_ tokens: C) -> [UInt8] where C.Element: BinaryInteger {
        var out: [UInt8] = []
        out.reserveCapacity(tokens.count)
        for t in tokens {
            if t >= 0 && t < itos.count { appendUTF8(itos[Int(t)], to: &out) } else { out += replacementCharacterUTF8 }
        }
        return out
    }
}

/// The distinct Unicode scalars of a text read in blocks that end on character boundaries: the
/// first pass of a char dataset.
struct ScalarSet {
    private var seen = [Bool](repeating: false, count: 0x110000)

    /// Throws if `buf` is not valid UTF-8 (naming the byte offset within `buf`).
    mutating func add(_ buf: UnsafeBufferPointer<UInt8>) throws {
        guard let p = buf.baseAddress else { return }
        let n = buf.count
        var i = 0
        while i < n {
            if p[i] < 0x80 { seen[Int(p[i])] = true; i += 1; continue }
            let d = decodeUTF8(p, at: i, end: n)
            guard d.valid else { throw DataError("not valid UTF-8 at byte \(i)") }
            seen[Int(d.value)] = true
            i += d.length
        }
    }

    /// The tokenizer whose vocabulary is these scalars in increasing code-point order.
    func tokenizer() throws -> CharTokenizer {
        try CharTokenizer(itos: seen.indices.compactMap { seen[$0] ? Unicode.Scalar(UInt32($0)) : nil })
    }
}

/// "U+00E9 'é'" — unambiguous even for control characters.
func describe(_ s: Unicode.Scalar) -> String {
    let hex = String(s.value, radix: 16, uppercase: true)
    let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    return s.properties.generalCategory == .control ? code : "\(code) '\(s)'"
}
