import Foundation

/// Any JSON value: the tree a config is edited as before it is decoded (`--set` overrides, sweep
/// axis values, the vocab fill from meta.json; see `ConfigLoading`). Prints canonically (sorted
/// keys, integral numbers without a fraction) for run identity hashes.
public enum JSONValue: Codable, Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Canonical JSON: sorted keys, no whitespace, integral numbers as integers, other numbers in
    /// the shortest form that reads back exactly. Equal configs print equally.
    public var canonical: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d == d.rounded(), abs(d) < 9e15 { return String(Int(d)) }
            return d.isFinite ? "\(d)" : "null"
        case .string(let s): return Self.quote(s)
        case .array(let a): return "[" + a.map(\.canonical).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { Self.quote($0) + ":" + o[$0]!.canonical }.joined(separator: ",") + "}"
        }
    }

    /// Short human form for labels and messages: numbers in %g style, strings bare.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return compactNumber(d)
        case .string(let s): return s
        case .array, .object: return canonical
        }
    }

    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// Dotted key paths on JSON object trees (`model.moe.top_k`), as `--set` uses them.
extension JSONValue {
    public subscript(path: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for key in path {
            guard case .object(let o)? = current else { return nil }
            current = o[key]
        }
        return current
    }

    /// Sets a value, creating intermediate objects (a null becomes an object); fails when an
    /// intermediate value is something else.
    public mutating func set(_ value: JSONValue, at path: [String]) throws {
        guard let first = path.first else { self = value; return }
        guard case .object(var o) = self else {
            throw ConfigError([], "is not an object")
        }
        var child = o[first] ?? .object([:])
        if case .null = child, path.count > 1 { child = .object([:]) }
        if path.count > 1, case .object = child {} else if path.count > 1 {
            throw ConfigError([first], "is \(child.canonical), not an object, so \(path.joined(separator: ".")) cannot be set")
        }
        do { try child.set(value, at: Array(path.dropFirst())) } catch let e as ConfigError { throw e.nested(under: first) }
        o[first] = child
        self = .object(o)
    }

    public mutating func remove(at path: [String]) {
        guard let first = path.first, case .object(var o) = self else { return }
        if path.count == 1 { o[first] = nil } else if var child = o[first] {
            child.remove(at: Array(path.dropFirst()))
            o[first] = child
        }
        self = .object(o)
    }
}
