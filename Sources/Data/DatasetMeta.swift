// meta.json: what a token directory holds and how to turn its tokens back into text. The
// nanoGPT counterpart is meta.pkl ({vocab_size, itos, stoi} for char); JSON keeps it readable
// from any language: Python can rebuild a char decoder from `itos` or a BPE one from `merges`.

import Foundation

public struct DatasetMeta: Codable, Equatable, Sendable {
    public static let fileName = "meta.json"
    public static let currentFormat = "windtunnel-tokens-1"

    public var format: String
    public var tokenizer: TokenizerKind
    public var vocabSize: Int
    /// Always "uint16": the element type of train.bin/val.bin.
    public var dtype: String
    /// The --input path as given, and how many files / bytes were read from it.
    public var source: String
    public var sourceFiles: Int
    public var sourceBytes: Int
    public var trainTokens: Int
    public var valTokens: Int
    public var valFraction: Double
    /// char: id → character (one Unicode scalar per string), like nanoGPT's meta.pkl `itos`.
    public var itos: [String]?
    /// bpe: merge r joins [left, right] into token 256 + r; ids 0–255 are bytes.
    public var merges: [[Int]]?
    /// bpe: how text was pre-split before merging (informational).
    public var pretokenizer: String?

    enum CodingKeys: String, CodingKey {
        case format, tokenizer, dtype, source, itos, merges, pretokenizer
        case vocabSize = "vocab_size"
        case sourceFiles = "source_files"
        case sourceBytes = "source_bytes"
        case trainTokens = "train_tokens"
        case valTokens = "val_tokens"
        case valFraction = "val_fraction"
    }

    public init(tokenizer: any Tokenizer, source: String, sourceFiles: Int, sourceBytes: Int,
                trainTokens: Int, valTokens: Int, valFraction: Double) {
        format = Self.currentFormat
        self.tokenizer = tokenizer.kind
        vocabSize = tokenizer.vocabSize
        dtype = "uint16"
        self.source = source
        self.sourceFiles = sourceFiles
        self.sourceBytes = sourceBytes
        self.trainTokens = trainTokens
        self.valTokens = valTokens
        self.valFraction = valFraction
        if let c = tokenizer as? CharTokenizer { itos = c.itos.map { String($0) } }
        if let b = tokenizer as? BPETokenizer {
            merges = b.merges.map { [Int($0.left), Int($0.right)] }
            pretokenizer = "gpt2-like: 's|'t|'re|'ve|'m|'ll|'d| ?letters| ?numbers| ?other|whitespace (no regex)"
        }
    }

    /// Reads and checks `url` (a meta.json).
    public static func load(from url: URL) throws -> DatasetMeta {
        let path = displayPath(url)
        let bytes: Foundation.Data
        do { bytes = try Foundation.Data(contentsOf: url) } catch {
            throw DataError("\(path): cannot read (\(FileManager.default.fileExists(atPath: url.path) ? "unreadable" : "no such file"))")
        }
        let meta: DatasetMeta
        do { meta = try JSONDecoder().decode(DatasetMeta.self, from: bytes) } catch {
            throw DataError("\(path): not a WindTunnel meta.json (\(decodingProblem(error)))")
        }
        guard meta.dtype == "uint16" else { throw DataError("\(path): dtype \"\(meta.dtype)\" unsupported (expected \"uint16\")") }
        guard (1...65536).contains(meta.vocabSize) else {
            throw DataError("\(path): vocab_size \(meta.vocabSize) outside 1...65536 (uint16 tokens)")
        }
        return meta
    }

    /// Writes atomically (temp file + rename).
    public func save(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(self) + Foundation.Data("\n".utf8)
        try json.withUnsafeBytes { try writeFileAtomically(url, bytes: $0) }
    }

    /// Rebuilds the tokenizer this dataset was made with.
    public func makeTokenizer() throws -> any Tokenizer {
        let tokenizer: any Tokenizer
        switch self.tokenizer {
        case .byte:
            tokenizer = ByteTokenizer()
        case .char:
            guard let itos else { throw DataError("meta.json: tokenizer \"char\" needs an \"itos\" list") }
            let scalars = try itos.enumerated().map { (i, s) -> Unicode.Scalar in
                guard s.unicodeScalars.count == 1 else {
                    throw DataError("meta.json: itos[\(i)] = \(s.debugDescription) is not a single character (one Unicode scalar)")
                }
                return s.unicodeScalars.first!
            }
            tokenizer = try CharTokenizer(itos: scalars)
        case .bpe:
            guard let merges else { throw DataError("meta.json: tokenizer \"bpe\" needs a \"merges\" list") }
            let parsed = try merges.enumerated().map { (i, m) -> BPEMerge in
                guard m.count == 2, let l = UInt16(exactly: m[0]), let r = UInt16(exactly: m[1]) else {
                    throw DataError("meta.json: merges[\(i)] = \(m) is not a pair of token ids")
                }
                return BPEMerge(l, r)
            }
            tokenizer = try BPETokenizer(merges: parsed)
        }
        guard tokenizer.vocabSize == vocabSize else {
            throw DataError("meta.json: vocab_size \(vocabSize) disagrees with its \(self.tokenizer.rawValue) tokenizer (\(tokenizer.vocabSize) tokens)")
        }
        return tokenizer
    }
}

/// A one-line reason from a DecodingError ("missing key vocab_size", ...).
func decodingProblem(_ error: Error) -> String {
    guard let e = error as? DecodingError else { return "invalid JSON" }
    func at(_ c: DecodingError.Context) -> String {
        c.codingPath.isEmpty ? "" : " at " + c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch e {
    case .keyNotFound(let key, let c): return "missing key \"\(key.stringValue)\"\(at(c))"
    case .typeMismatch(_, let c), .valueNotFound(_, let c): return "wrong type\(at(c))"
    case .dataCorrupted(let c): return c.codingPath.isEmpty ? "invalid JSON" : "bad value\(at(c))"
    @unknown default: return "invalid JSON"
    }
}
