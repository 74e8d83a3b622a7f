import Foundation
import RunSchema
import Testing
import Data

/// A fresh temporary directory, removed when the returned object is released.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("windtunnel-datatests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let u = file(name)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Foundation.Data(bytes).write(to: u)
        return u
    }

    @discardableResult
    func write(_ name: String, text: String) throws -> URL { try write(name, Array(text.utf8)) }
}

/// The message of the DataError thrown by `body` (fails the test if none is thrown).
func dataErrorMessage(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    do {
        try body()
        Issue.record("expected a DataError", sourceLocation: sourceLocation)
    } catch let e as DataError {
        return e.message
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
    }
    return ""
}

func littleEndianBytes(_ values: [UInt16]) -> [UInt8] {
    values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
}

func littleEndianBytes(_ values: [Int32]) -> [UInt8] {
    values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: UInt32(bitPattern: v) >> (8 * $0)) } }
}

/// An llm.c shard: 256 int32 header (magic, version, count), then uint16 tokens.
func llmcShard(_ tokens: [UInt16], magic: Int32 = 20240520, version: Int32 = 1, declaredCount: Int32? = nil) -> [UInt8] {
    var header = [Int32](repeating: 0, count: 256)
    header[0] = magic
    header[1] = version
    header[2] = declaredCount ?? Int32(tokens.count)
    return littleEndianBytes(header) + littleEndianBytes(tokens)
}

/// Deterministic pseudo-text: words from a small list, some punctuation and newlines.
func syntheticText(words count: Int, seed: UInt64 = 7) -> String {
    let words = ["the", "king", "queen", "and", "of", "thou", "art", "a", "fool", "Hamlet", "lord", "café", "naïve", "東京", "42", "don't"]
    var rng = SplitMix64(seed: seed)
    var s = ""
    for i in 0..<count {
        s += words[Int(rng.next(below: UInt64(words.count)))]
        s += i % 11 == 10 ? ".\n" : (i % 5 == 4 ? ", " : " ")
    }
    return s
}
