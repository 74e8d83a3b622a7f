import Foundation
import NN

/// Reading JSON configs: parse, apply `--set key.path=value` overrides on the JSON tree, decode
/// strictly, and turn every failure into one message that names the file and the field.
public enum ConfigLoading {
    /// The JSON object in `url`.
    public static func readObject(_ url: URL) throws -> [String: Any] {
        let bytes: Data
        do { bytes = try Data(contentsOf: url) } catch {
            throw ConfigError([], "\(url.path): cannot read config (\(errorReason(error)))")
        }
        do {
            guard let object = try JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
                throw ConfigError([], "\(url.path): the config must be a JSON object")
            }
            return object
        } catch let e as ConfigError { throw e } catch {
            throw ConfigError([], "\(url.path): invalid JSON (\(errorReason(error)))")
        }
    }

    /// Applies `path=value` overrides. The value is parsed as JSON when it can be (numbers,
    /// booleans, null, arrays, objects), else taken as a string.
    public static func applyOverrides(_ overrides: [String], to object: inout [String: Any]) throws {
        for o in overrides {
            guard let eq = o.firstIndex(of: "="), eq != o.startIndex else {
                throw ConfigError([], "--set '\(o)': expected key.path=value")
            }
            let path = o[..<eq].split(separator: ".").map(String.init)
            let text = String(o[o.index(after: eq)...])
            let value = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
            try setValue(value, at: path, in: &object)
        }
    }

    /// Sets a value at a dotted path, creating intermediate objects (e.g. `model.moe.top_k`).
    public static func setValue(_ value: Any, at path: [String], in object: inout [String: Any]) throws {
        guard let first = path.first else { return }
        if path.count == 1 { object[first] = value; return }
        var child: [String: Any]
        switch object[first] {
        case nil, is NSNull: child = [:]
        case let d as [String: Any]: child = d
        default: throw ConfigError([first], "is not an object, cannot set \(path.joined(separator: "."))")
        }
        try setValue(value, at: Array(path.dropFirst()), in: &child)
        object[first] = child
    }

    public static func value(at path: [String], in object: [String: Any]) -> Any? {
        var current: Any? = object
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    /// Decodes `T` from a JSON object, reporting errors as "<source>: <field>: <problem>".
    public static func decode<T: Decodable>(_ type: T.Type, from object: [String: Any], source: String) throws -> T {
        let data = try JSONSerialization.data(withJSONObject: object)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let e as ConfigError {
            throw ConfigError([], "\(source): \(e)")
        } catch let e as DecodingError {
            throw ConfigError([], "\(source): \(describe(e))")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            (c.codingPath + (key.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let c): return "\(path(c, key)): missing required field"
        case .typeMismatch(let type, let c): return "\(path(c)): expected \(typeName(type))"
        case .valueNotFound(let type, let c): return "\(path(c)): expected \(typeName(type)), got null"
        case .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        default: return "\(type)"
        }
    }

    static func errorReason(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoSuchFileError { return "no such file" }
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }
}

extension TrainConfig {
    /// Loads, overrides, decodes and validates a train config. When `model.vocab_size` is absent
    /// it is taken from the data directory's meta.json.
    public static func load(_ url: URL, overrides: [String] = []) throws -> TrainConfig {
        var object = try ConfigLoading.readObject(url)
        try ConfigLoading.applyOverrides(overrides, to: &object)
        if ConfigLoading.value(at: ["model", "vocab_size"], in: object) == nil,
           let dir = ConfigLoading.value(at: ["data", "dir"], in: object) as? String {
            let metaURL = URL(fileURLWithPath: dir).appendingPathComponent("meta.json")
            if let meta = try? ConfigLoading.readObject(metaURL), let v = meta["vocab_size"] as? Int {
                try ConfigLoading.setValue(v, at: ["model", "vocab_size"], in: &object)
            }
        }
        let config = try ConfigLoading.decode(TrainConfig.self, from: object, source: url.path)
        do { try config.validate() } catch let e as ConfigError { throw ConfigError([], "\(url.path): \(e)") }
        return config
    }

    /// The resolved config as pretty, key-sorted JSON (what a run directory records).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
