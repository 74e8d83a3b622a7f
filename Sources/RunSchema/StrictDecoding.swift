import Foundation

/// A configuration value that cannot be used: names the field by its dotted path and says what
/// was expected. Config loaders prefix the file name.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var path: [String]
    public var message: String

    public init(_ path: [String], _ message: String) {
        self.path = path
        self.message = message
    }

    public var field: String { path.joined(separator: ".").replacingOccurrences(of: ".[", with: "[") }
    public var description: String { path.isEmpty ? message : "\(field): \(message)" }

    /// The same error one level further down (`model` + `d_model` → `model.d_model`).
    public func nested(under prefix: String) -> ConfigError { ConfigError([prefix] + path, message) }
}

struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Strict configs (unlike nanoGPT's exec-based configurator): a key the type does not know is
    /// an error naming the key and the keys that are allowed, not silently ignored.
    public func rejectUnknownKeys<K: CodingKey & CaseIterable>(_ keys: K.Type) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        let known = K.allCases.map(\.stringValue)
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw ConfigError(codingPath.map(\.stringValue) + [key.stringValue],
                              "unknown key (expected one of: \(known.joined(separator: ", ")))")
        }
    }
}
