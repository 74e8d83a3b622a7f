import Foundation

/// Decodes configs straight from a `JSONValue` tree, so that every problem is a `ConfigError`
/// naming the field and what was expected: `train.steps: expected an integer, got 2.5`,
/// `train.tokens: 1e+30 is too large (at most 9223372036854775807)`, `schedule.kind: "bogus" is
/// not one of constant, cosine, wsd`. (Foundation's JSONDecoder on Linux reports the first two as
/// "not valid JSON" with no field, and the third as Swift type text.) A number with an integral
/// value is accepted for an integer field (`2e9`); an enum lists its values when it is
/// `CaseIterable`.
public struct JSONTreeDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from tree: JSONValue) throws -> T {
        try TreeDecoder(value: tree, codingPath: []).decodeValue(T.self)
    }
}

/// A value as messages show it: strings quoted, long values cut.
func shown(_ value: JSONValue) -> String {
    let text: String
    switch value {
    case .string(let s): text = JSONValue.quote(s)
    case .double(let d): text = compactNumber(d)
    default: text = value.canonical
    }
    return text.count > 60 ? String(text.prefix(57)) + "…" : text
}

func kindName(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool: return "true/false"
    case .int, .double: return "a number"
    case .string: return "a string"
    case .array: return "a list"
    case .object: return "an object"
    }
}

private struct TreeDecoder: Decoder {
    let value: JSONValue
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    var path: [String] { codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue } }

    func failure(_ message: String) -> ConfigError { ConfigError(path, message) }

    /// "expected an integer"; the value is shown when it is the right kind but not a fitting one
    /// ("expected an integer, got 2.5").
    func expected(_ what: String, showing: Bool = false) -> ConfigError {
        failure("expected \(what)" + (showing ? ", got \(shown(value))" : ""))
    }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try T(from: self)
        } catch let e as DecodingError {
            // Only what our containers do not turn into ConfigErrors: RawRepresentable's
            // "Cannot initialize X from invalid String value", and errors of custom decoders.
            if case .string(let s) = value, let cases = T.self as? any CaseIterable.Type {
                throw failure("\(JSONValue.quote(s)) is not one of \(caseNames(cases).joined(separator: ", "))")
            }
            throw failure(ConfigLoading.describe(e))
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw failure("expected an object, got \(kindName(value))") }
        return KeyedDecodingContainer(KeyedTree<Key>(members: members, decoder: self))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw failure("expected a list, got \(kindName(value))") }
        return UnkeyedTree(items: items, decoder: self)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { SingleTree(decoder: self) }

    func child(_ value: JSONValue, _ key: CodingKey) -> TreeDecoder {
        TreeDecoder(value: value, codingPath: codingPath + [key])
    }

    // Scalars

    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let number: Double
        switch value {
        case .int(let i):
            if let v = T(exactly: i) { return v }
            number = Double(i)
        case .double(let d):
            guard d.isFinite, d == d.rounded() else { throw expected("an integer", showing: true) }
            if let v = T(exactly: d) { return v }
            number = d
        default:
            throw expected("an integer")
        }
        if number < 0 && T.min == 0 { throw failure("must not be negative, got \(shown(value))") }
        throw failure("\(shown(value)) is too large (at most \(T.max))")
    }

    func double() throws -> Double {
        switch value {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw expected("a number")
        }
    }

    func float() throws -> Float {
        let d = try double()
        let f = Float(d)
        guard f.isFinite || !d.isFinite else { throw failure("\(shown(value)) is too large for a 32-bit float") }
        return f
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw expected("true or false") }
        return b
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw expected("a string") }
        return s
    }
}

private func caseNames<C: CaseIterable>(_ type: C.Type) -> [String] {
    C.allCases.map { (($0 as? any RawRepresentable)?.rawValue as? String) ?? "\($0)" }
}

private struct IndexKey: CodingKey {
    var stringValue: String { "[\(index)]" }
    var intValue: Int? { index }
    let index: Int
    init(_ index: Int) { self.index = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { index = intValue }
}

private struct KeyedTree<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let decoder: TreeDecoder
    var codingPath: [CodingKey] { decoder.codingPath }
    var allKeys: [Key] { members.keys.sorted().compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    func child(_ key: Key) throws -> TreeDecoder {
        guard let v = members[key.stringValue] else {
            throw ConfigError(decoder.path + [key.stringValue], "missing required field")
        }
        return decoder.child(v, key)
    }

    func decodeNil(forKey key: Key) throws -> Bool { try child(key).value == .null }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decodeValue(T.self) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).bool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).string() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).double() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try child(key).float() }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).integer(Int.self) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try child(key).integer(Int8.self) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try child(key).integer(Int16.self) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try child(key).integer(Int32.self) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try child(key).integer(Int64.self) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try child(key).integer(UInt.self) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try child(key).integer(UInt8.self) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try child(key).integer(UInt16.self) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try child(key).integer(UInt32.self) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try child(key).integer(UInt64.self) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer { try child(key).unkeyedContainer() }
    func superDecoder() throws -> Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> Decoder { try child(key) }
}

private struct UnkeyedTree: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let decoder: TreeDecoder
    var codingPath: [CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }
    var currentIndex = 0

    init(items: [JSONValue], decoder: TreeDecoder) {
        self.items = items
        self.decoder = decoder
    }

    mutating func next() throws -> TreeDecoder {
        guard !isAtEnd else { throw ConfigError(decoder.path, "expected more than \(items.count) item(s)") }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], IndexKey(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(T.self) }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().bool() }
    mutating func decode(_ type: String.Type) throws -> String { try next().string() }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().double() }
    mutating func decode(_ type: Float.Type) throws -> Float { try next().float() }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().integer(Int.self) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().integer(Int8.self) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().integer(Int16.self) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().integer(Int32.self) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().integer(Int64.self) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().integer(UInt.self) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().integer(UInt8.self) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().integer(UInt16.self) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().integer(UInt32.self) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().integer(UInt64.self) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> Decoder { try next() }
}

private struct SingleTree: SingleValueDecodingContainer {
    let decoder: TreeDecoder
    var codingPath: [CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(T.self) }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool() }
    func decode(_ type: String.Type) throws -> String { try decoder.string() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.double() }
    func decode(_ type: Float.Type) throws -> Float { try decoder.float() }
    func decode(_ type: Int.Type) throws -> Int { try decoder.integer(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.integer(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer(UInt64.self) }
}
