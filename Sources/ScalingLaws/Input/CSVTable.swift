import Foundation

/// A user-facing error: the message names the file, row, column or budget and says what was
/// expected. The CLI prints it as the first line on stderr.
public struct FitError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A CSV file read into strings: a header line, then one row per line. Quoted fields may hold
/// commas, doubled quotes and newlines; empty cells are empty strings; CRLF is accepted.
public struct CSVTable: Sendable {
    /// Where the table came from (a file name), used in error messages.
    public let source: String
    public let header: [String]
    public let rows: [[String]]

    public init(source: String, header: [String], rows: [[String]]) {
        self.source = source
        self.header = header
        self.rows = rows
    }

    public static func read(contentsOf url: URL) throws -> CSVTable {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw FitError("\(url.path): cannot read the file (\(error.localizedDescription))")
        }
        return try parse(text, source: url.lastPathComponent)
    }

    public static func parse(_ text: String, source: String) throws -> CSVTable {
        var records: [[String]] = []
        var lineOfRecord: [Int] = []
        var field = ""
        var record: [String] = []
        var inQuotes = false
        var fieldWasQuoted = false
        var line = 1
        var recordStartLine = 1
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()

        func endField() {
            record.append(fieldWasQuoted ? field : field.trimmingCharacters(in: .whitespaces))
            field = ""
            fieldWasQuoted = false
        }
        func endRecord() {
            endField()
            // A blank line is no record.
            if !(record.count == 1 && record[0].isEmpty) {
                records.append(record)
                lineOfRecord.append(recordStartLine)
            }
            record = []
        }

        while let c = pending {
            pending = iterator.next()
            if inQuotes {
                if c == "\"" {
                    if pending == "\"" {
                        field.unicodeScalars.append("\"")
                        pending = iterator.next()
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                if field.trimmingCharacters(in: .whitespaces).isEmpty {
                    field = ""
                    inQuotes = true
                    fieldWasQuoted = true
                } else {
                    throw FitError("\(source) line \(line): a quote inside an unquoted field")
                }
            case ",":
                endField()
            case "\r":
                if pending == "\n" { continue }
                endRecord(); line += 1; recordStartLine = line
            case "\n":
                endRecord(); line += 1; recordStartLine = line
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw FitError("\(source) line \(recordStartLine): a quoted field is never closed") }
        if !field.isEmpty || !record.isEmpty || fieldWasQuoted { endRecord() }

        guard let header = records.first else { throw FitError("\(source): the file is empty (no header line)") }
        var seen = Set<String>()
        for name in header {
            if name.isEmpty { throw FitError("\(source): the header has an empty column name") }
            if !seen.insert(name).inserted { throw FitError("\(source): column '\(name)' appears twice in the header") }
        }
        var rows: [[String]] = []
        for (index, fields) in records.enumerated().dropFirst() {
            guard fields.count == header.count else {
                throw FitError("\(source) line \(lineOfRecord[index]): \(fields.count) fields, the header has \(header.count)")
            }
            rows.append(fields)
        }
        return CSVTable(source: source, header: header, rows: rows)
    }

    public func columnIndex(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// The column's index, or an error naming it and listing the available columns.
    public func requireColumn(_ name: String, for purpose: String? = nil) throws -> Int {
        if let index = columnIndex(name) { return index }
        let why = purpose.map { " (\($0))" } ?? ""
        throw FitError("\(source): no column '\(name)'\(why); available columns: \(header.joined(separator: ", "))")
    }

    /// True when the column exists and at least one cell is non-empty.
    public func hasValues(in name: String) -> Bool {
        guard let index = columnIndex(name) else { return false }
        return rows.contains { !$0[index].isEmpty }
    }
}
