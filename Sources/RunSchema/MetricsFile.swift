import Foundation

/// A run's `metrics.jsonl` (DESIGN.md): one JSON object per logged step, fields `step, tokens,
/// flops, lr, loss, grad_norm, tokens_per_s, elapsed_s`, plus `val_loss` (and `val_bpb` when the
/// data has a tokenizer) on eval steps and `moe`
/// router stats. This is the one reader of the format (the trainer's resume, the sweep's status,
/// plots and the fitter all use it); `MetricsWriter` is the one writer.
///
/// Policy for lines that do not parse: `MetricsWriter` emits each line with one `write`, so a
/// run that is still writing, or was killed, can leave its last line cut short. A line that is
/// not a JSON object is skipped and counted in `skippedLines` (wherever it is); readers report
/// the count and never fail on it, so a sweep can be plotted and fitted while it runs. Blank
/// lines are ignored and not counted.
public struct MetricsFile: Sendable {
    /// One parsed line.
    public struct Record: Sendable {
        /// 1-based line number in the file.
        public var lineNumber: Int
        /// Every top-level numeric field (`step`, `tokens`, `loss`, …); nested values such as the
        /// `moe` router stats are left out.
        public var numbers: [String: Double]
        /// The line as written, without its newline.
        public var text: Data

        public subscript(_ key: String) -> Double? { numbers[key] }
        /// The logged step, when the line has an integral `step`.
        public var step: Int? {
            guard let s = numbers["step"], s == s.rounded(), abs(s) < 9e15 else { return nil }
            return Int(s)
        }
    }

    public var url: URL
    public var records: [Record]
    /// Lines that were not JSON objects (in practice: a last line cut short while writing).
    public var skippedLines: Int

    /// Reads and parses `url`; throws only when the file cannot be read.
    public static func read(_ url: URL) throws -> MetricsFile {
        let data = try Data(contentsOf: url)
        var records: [Record] = []
        var skipped = 0
        for (index, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let text = Data(line)
            guard let object = (try? JSONSerialization.jsonObject(with: text)) as? [String: Any] else {
                skipped += 1
                continue
            }
            var numbers: [String: Double] = [:]
            for (key, value) in object {
                if let n = value as? NSNumber { numbers[key] = n.doubleValue }
            }
            records.append(Record(lineNumber: index + 1, numbers: numbers, text: text))
        }
        return MetricsFile(url: url, records: records, skippedLines: skipped)
    }

    /// The last logged step, if any line has one.
    public var lastStep: Int? { records.last { $0.step != nil }?.step }
}

/// Appends one JSON object per line (sorted keys) to metrics.jsonl. Each line is written with a
/// single `write`, so a killed process leaves at most one partial last line, which
/// `truncate(afterStep:)` removes on resume along with any step past the checkpoint.
public final class MetricsWriter {
    private let handle: FileHandle

    public init(_ url: URL) throws {
        if !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    public func append(_ record: [String: Any]) throws {
        try append(line: try Self.encode(record))
    }

    /// One record as a metrics line (sorted keys, ending in a newline).
    public static func encode(_ record: [String: Any]) throws -> Data {
        var line = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
        line.append(0x0A)
        return line
    }

    /// Appends an encoded line (a trailing newline is added when it lacks one).
    public func append(line: Data) throws {
        var line = line
        if line.last != 0x0A { line.append(0x0A) }
        try handle.write(contentsOf: line)
    }

    /// Keeps only the parsed lines whose step is ≤ `step` (atomic rewrite; a missing file is left
    /// alone). Skipped lines (see `MetricsFile`) go too.
    public static func truncate(_ url: URL, afterStep step: Int) throws {
        guard let file = try? MetricsFile.read(url) else { return }
        var kept = Data()
        for record in file.records {
            guard let s = record.step, s <= step else { continue }
            kept.append(record.text)
            kept.append(0x0A)
        }
        try kept.write(to: url, options: .atomic)
    }
}
