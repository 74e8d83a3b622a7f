// Corpora as users have them, read as one stream of text in blocks: plain text files and JSON
// Lines files, either of them gzip-compressed, one file or a directory of them in path order.
// Memory is a block (plus the longest JSONL line) whatever the corpus size.
//
// - Compression is detected by the gzip magic bytes (1f 8b); a file named .gz without them is
//   an error (usually a failed download). The format comes from the name without .gz: `.jsonl`
//   is JSON Lines, anything else is text.
// - Text files are read as they are and concatenated with nothing in between (as `cat` would),
//   which keeps `data prepare` of text byte-identical to reading the files whole.
// - JSON Lines: every non-blank line is a JSON object whose text field (`--text-field`, default
//   "text") is a string. Each document contributes its text followed by a blank line ("\n\n"):
//   none of our tokenizers has a special end-of-document token, and a blank line is the plain-
//   text paragraph break the models already see (nanoGPT appends GPT-2's <|endoftext|> instead).
//   Documents whose text is empty are skipped; a line that is not such an object is an error
//   naming the file and line.
// - For char and bpe, text files must be UTF-8 (the error names the file and byte), and the
//   blocks handed on always end on a character boundary.

import Foundation
import RunSchema

public enum CorpusFormat: String, Sendable {
    case text
    case jsonl
}

/// One input file and how it is read.
public struct CorpusFile: Sendable, Equatable {
    public let url: URL
    public let format: CorpusFormat
    public let gzip: Bool

    /// Classifies `url` by its first bytes (gzip) and its name (.jsonl, before any .gz).
    public init(_ url: URL) throws {
        self.url = url
        gzip = try FileByteSource(url).hasGzipMagic()
        var name = url.lastPathComponent.lowercased()
        if name.hasSuffix(".gz") {
            guard gzip else {
                throw DataError("\(displayPath(url)): named .gz but not gzip-compressed (it does not start with the gzip magic bytes 1f 8b)")
            }
            name.removeLast(3)
        }
        format = name.hasSuffix(".jsonl") ? .jsonl : .text
    }
}

/// What one pass over a corpus read.
public struct CorpusStats: Sendable, Equatable {
    /// Bytes of text handed on (decompressed; for JSONL the documents' text and separators).
    public var bytes = 0
    /// JSONL documents read, and those of them skipped because their text is empty.
    public var documents = 0
    public var emptyDocuments = 0

    public init(bytes: Int = 0, documents: Int = 0, emptyDocuments: Int = 0) {
        self.bytes = bytes
        self.documents = documents
        self.emptyDocuments = emptyDocuments
    }
}

struct CorpusReader {
    /// What follows each JSONL document's text.
    static let documentSeparator: [UInt8] = Array("\n\n".utf8)

    let files: [CorpusFile]
    let textField: String
    /// char and bpe: text files must be UTF-8 and blocks end on character boundaries.
    let requireUTF8: Bool
    let blockBytes: Int

    /// Passes the corpus text to `body` in consecutive blocks (each valid only during the call).
    func read(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> CorpusStats {
        var stats = CorpusStats()
        for file in files {
            let plain = try FileByteSource(file.url)
            let source: ByteSource = file.gzip ? try GzipByteSource(plain) : plain
            switch file.format {
            case .text: try readText(file, source, &stats, body)
            case .jsonl:
                var reader = JSONLReader(file: file, textField: textField, blockBytes: blockBytes)
                try reader.read(source, &stats, body)
            }
        }
        return stats
    }

    private func readText(_ file: CorpusFile, _ source: ByteSource, _ stats: inout CorpusStats,
                          _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        // Up to 3 bytes of a character cut by the block end wait at the front of the buffer.
        var buffer = [UInt8](repeating: 0, count: blockBytes + 3)
        var held = 0
        var offset = 0  // file (decompressed) offset of buffer[0]
        while true {
            let n = try buffer.withUnsafeMutableBytes {
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[held..<(held + blockBytes)]))
            }
            let total = held + n
            // At the end of the file the held bytes are handed to validation, which rejects them.
            let cut = n == 0 || !requireUTF8 ? total : buffer.withUnsafeBufferPointer { completeUTF8Prefix($0.baseAddress!, total) }
            try buffer.withUnsafeBufferPointer { all in
                let ready = UnsafeBufferPointer(rebasing: all[0..<cut])
                if requireUTF8, let bad = firstInvalidUTF8Offset(ready) {
                    let what = file.gzip ? "byte \(offset + bad) of the decompressed text" : "byte \(offset + bad)"
                    throw DataError("\(displayPath(file.url)): not valid UTF-8 at \(what) (char and bpe need UTF-8 text; --tokenizer byte takes raw bytes)")
                }
                if cut > 0 { try body(ready) }
            }
            stats.bytes += cut
            if n == 0 { return }
            held = total - cut
            for i in 0..<held { buffer[i] = buffer[cut + i] }
            offset += cut
        }
    }
}

/// The length of the longest prefix of `p[0..<n]` that does not end inside a multi-byte UTF-8
/// sequence (it may still be invalid; validation says where).
func completeUTF8Prefix(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
    var lead = n - 1
    while lead >= 0 && n - lead <= 3 && p[lead] & 0xC0 == 0x80 { lead -= 1 }
    guard lead >= 0 else { return n }
    let b = p[lead]
    let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
    return lead + length > n ? lead : n
}

/// One JSON Lines file: lines → documents' text → blocks.
private struct JSONLReader {
    let file: CorpusFile
    let textField: String
    let blockBytes: Int
    var lineNumber = 0
    var out: [UInt8] = []

    init(file: CorpusFile, textField: String, blockBytes: Int) {
        self.file = file
        self.textField = textField
        self.blockBytes = blockBytes
    }

    mutating func read(_ source: ByteSource, _ stats: inout CorpusStats,
                       _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var block = [UInt8](repeating: 0, count: blockBytes)
        var line: [UInt8] = []
        while true {
            let n = try block.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            var start = 0
            for j in 0..<n where block[j] == 0x0A {
                line.append(contentsOf: block[start..<j])
                try document(line, &stats, body)
                line.removeAll(keepingCapacity: true)
                start = j + 1
            }
            line.append(contentsOf: block[start..<n])
        }
        if !line.isEmpty { try document(line, &stats, body) }
        try flush(&stats, body)
    }

    private mutating func flush(_ stats: inout CorpusStats, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard !out.isEmpty else { return }
        try out.withUnsafeBufferPointer { try body($0) }
        stats.bytes += out.count
        out.removeAll(keepingCapacity: true)
    }

    private mutating func document(_ rawLine: [UInt8], _ stats: inout CorpusStats,
                                   _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        lineNumber += 1
        var line = rawLine[...]
        if lineNumber == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }  // a UTF-8 byte-order mark
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }  // blank lines are not documents
        let at = "\(displayPath(file.url)):\(lineNumber)"
        let value: JSONValue
        do { value = try JSONValue.parse(Foundation.Data(line)) } catch let e as JSONSyntaxError {
            throw DataError("\(at): not valid JSON (column \(e.column): \(e.message))")
        }
        guard case .object(let fields) = value else {
            throw DataError("\(at): expected a JSON object with a \"\(textField)\" string field, found \(jsonKind(value))")
        }
        guard let field = fields[textField] else {
            let keys = fields.keys.sorted().prefix(8).map { "\"\($0)\"" }.joined(separator: ", ")
            throw DataError("\(at): no \"\(textField)\" field (the object has \(keys.isEmpty ? "no fields" : keys); choose the field with --text-field)")
        }
        guard case .string(let text) = field else {
            throw DataError("\(at): field \"\(textField)\" is \(jsonKind(field)), expected a string")
        }
        stats.documents += 1
        guard !text.isEmpty else { stats.emptyDocuments += 1; return }
        out.append(contentsOf: text.utf8)
        out.append(contentsOf: CorpusReader.documentSeparator)
        if out.count >= blockBytes { try flush(&stats, body) }
    }
}

private func jsonKind(_ v: JSONValue) -> String {
    switch v {
    case .null: return "null"
    case .bool: return "a boolean"
    case .int, .double: return "a number"
    case .string: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
}
