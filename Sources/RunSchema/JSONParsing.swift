import Foundation

/// The strict JSON reader for configs and sweep specs. Foundation's decoder on Linux reports any
/// problem as "The given data was not valid JSON" without a position, and silently keeps one of
/// two values given for the same key; this parser says where (line and column) and what, and
/// rejects duplicate keys. Numbers that are integers and fit an `Int` become `.int`, the others
/// `.double` (so `99999999999999999999` reaches the decoder, which can call it too large).
extension JSONValue {
    public static func parse(_ bytes: Data) throws -> JSONValue {
        var parser = JSONParser(bytes: [UInt8](bytes))
        parser.skipWhitespace()
        let value = try parser.value(path: [])
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }
}

/// Where and why JSON text does not parse ("line 3, column 14: …").
public struct JSONSyntaxError: Error, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "line \(line), column \(column): \(message)" }
}

private struct JSONParser {
    let bytes: [UInt8]
    var index = 0
    /// Nesting limit: a config is a few levels deep; this keeps hostile input off the stack.
    static let maxDepth = 512

    init(bytes: [UInt8]) { self.bytes = bytes }

    func error(_ message: String, at position: Int? = nil) -> JSONSyntaxError {
        let end = min(position ?? index, bytes.count)
        var line = 1, column = 1
        for b in bytes[0..<end] {
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return JSONSyntaxError(line: line, column: column, message: message)
    }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let b = current, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { index += 1 }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        skipWhitespace()
        guard current == byte else { throw error(current == nil ? "unexpected end of input, expected \(what)" : "expected \(what)") }
        index += 1
    }

    mutating func value(path: [String]) throws -> JSONValue {
        guard path.count < Self.maxDepth else { throw error("nested more than \(Self.maxDepth) levels deep") }
        skipWhitespace()
        guard let b = current else { throw error("unexpected end of input, expected a value") }
        switch b {
        case UInt8(ascii: "{"): return try object(path: path)
        case UInt8(ascii: "["): return try array(path: path)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("expected a value (object, array, string, number, true, false or null)")
        }
    }

    mutating func literal(_ word: String, _ value: JSONValue) throws -> JSONValue {
        let w = Array(word.utf8)
        guard bytes.count - index >= w.count, Array(bytes[index..<index + w.count]) == w else {
            throw error("expected a value (strings need double quotes)")
        }
        index += w.count
        return value
    }

    mutating func object(path: [String]) throws -> JSONValue {
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            let keyStart = index
            guard current == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
            let key = try string()
            guard members[key] == nil else {
                let field = (path + [key]).joined(separator: ".")
                throw error("duplicate key \"\(key)\"\(path.isEmpty ? "" : " (\(field))"): give each key once", at: keyStart)
            }
            try expect(UInt8(ascii: ":"), "':' after the key")
            members[key] = try value(path: path + [key])
            skipWhitespace()
            switch current {
            case UInt8(ascii: ",")?: index += 1
            case UInt8(ascii: "}")?: index += 1; return .object(members)
            default: throw error(current == nil ? "unexpected end of input inside an object" : "expected ',' or '}' after a value")
            }
        }
    }

    mutating func array(path: [String]) throws -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            items.append(try value(path: path + ["[\(items.count)]"]))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ",")?: index += 1
            case UInt8(ascii: "]")?: index += 1; return .array(items)
            default: throw error(current == nil ? "unexpected end of input inside a list" : "expected ',' or ']' after a value")
            }
        }
    }

    mutating func number() throws -> JSONValue {
        let start = index
        func digits() -> Int {
            let s = index
            while let b = current, b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") { index += 1 }
            return index - s
        }
        if current == UInt8(ascii: "-") { index += 1 }
        guard digits() > 0 else { throw error("expected digits in a number") }
        var integral = true
        if current == UInt8(ascii: ".") {
            index += 1
            integral = false
            guard digits() > 0 else { throw error("expected digits after the decimal point") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            integral = false
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("expected digits in the exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let i = Int(text) { return .int(i) }
        guard let d = Double(text) else { throw error("unreadable number \(text)", at: start) }
        return .double(d)
    }

    mutating func string() throws -> String {
        let start = index
        index += 1
        var out = [UInt8]()
        while true {
            guard let b = current else { throw error("unterminated string", at: start) }
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8", at: start) }
                return s
            case UInt8(ascii: "\\"):
                guard let e = current else { throw error("unterminated string", at: start) }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate in \\u escape")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw error("invalid escape \\\(Character(Unicode.Scalar(e)))")
                }
            case 0..<0x20: throw error("control character inside a string (use \\n, \\t)")
            default: out.append(b)
            }
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard bytes.count - index >= 4, let v = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            throw error("expected 4 hex digits after \\u")
        }
        index += 4
        return v
    }
}
