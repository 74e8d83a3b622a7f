import Foundation

/// Reading JSON configs, for the trainer and the sweep planner alike: parse into a `JSONValue`
/// tree, apply `--set key.path=value` overrides, fill `model.vocab_size` from the data's
/// meta.json, decode strictly, and turn every failure into one message that names the file and
/// the field ("<file>: <field>: <problem>").
public enum ConfigLoading {
    /// The JSON object in `url` (errors read "<file>: cannot read config (…)", "…: invalid JSON (…)").
    public static func readObject(_ url: URL) throws -> JSONValue {
        let bytes: Data
        do { bytes = try Data(contentsOf: url) } catch {
            throw ConfigError([], "\(url.path): cannot read config (\(readReason(error)))")
        }
        return try object(from: bytes, source: url.path)
    }

    /// Parses `bytes` as a JSON object (strictly: a key given twice is an error, see `JSONValue.parse`).
    public static func object(from bytes: Data, source: String) throws -> JSONValue {
        let tree = try parse(bytes, source: source)
        guard case .object = tree else { throw ConfigError([], "\(source): the config must be a JSON object") }
        return tree
    }

    /// Parses JSON text; errors read "<source>: invalid JSON at line L, column C: <problem>".
    public static func parse(_ bytes: Data, source: String) throws -> JSONValue {
        do { return try JSONValue.parse(bytes) } catch let e as JSONSyntaxError {
            throw ConfigError([], "\(source): invalid JSON at \(e)")
        }
    }

    /// One `--set` argument as a key path and a value. The value is parsed as JSON when it can be
    /// (numbers, booleans, null, arrays, objects), else taken as a string.
    public static func parseOverride(_ text: String) throws -> (path: [String], value: JSONValue) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw ConfigError([], "--set '\(text)': expected key.path=value")
        }
        let path = text[..<eq].split(separator: ".").map(String.init)
        let raw = String(text[text.index(after: eq)...])
        let value = (try? JSONValue.parse(Data(raw.utf8))) ?? .string(raw)
        return (path, value)
    }

    /// Applies `path=value` overrides (see `parseOverride`), creating intermediate objects
    /// (`model.moe.top_k`).
    public static func applyOverrides(_ overrides: [String], to tree: inout JSONValue) throws {
        for o in overrides {
            let (path, value) = try parseOverride(o)
            try tree.set(value, at: path)
        }
    }

    /// The `vocab_size` recorded in `<dataDir>/meta.json`, if there is one.
    public static func vocabularySize(dataDir: String) -> Int? { metaInt("vocab_size", dataDir: dataDir) }

    /// The training split's token count from `<dataDir>/meta.json`; without one (nanoGPT's
    /// OpenWebText layout), train.bin's size / 2 (headerless uint16 tokens).
    public static func trainTokens(dataDir: String) -> Int? {
        metaInt("train_tokens", dataDir: dataDir) ?? uint16Tokens("train.bin", dataDir: dataDir)
    }

    /// The validation split's token count from `<dataDir>/meta.json`, or val.bin's size / 2.
    public static func valTokens(dataDir: String) -> Int? {
        metaInt("val_tokens", dataDir: dataDir) ?? uint16Tokens("val.bin", dataDir: dataDir)
    }

    static func uint16Tokens(_ file: String, dataDir: String) -> Int? {
        let path = URL(fileURLWithPath: dataDir).appendingPathComponent(file).path
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber else { return nil }
        return size.intValue / 2
    }

    static func metaInt(_ key: String, dataDir: String) -> Int? {
        let url = URL(fileURLWithPath: dataDir).appendingPathComponent("meta.json")
        let meta = (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) }
        if case .int(let v)? = meta?[[key]] { return v }
        return nil
    }

    /// Why `model.vocab_size` cannot be taken from `<dataDir>/meta.json`, naming the real cause
    /// (a missing or broken data directory) rather than the missing field; nil when it can.
    public static func vocabularySource(dataDir: String) -> ConfigError? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataDir, isDirectory: &isDirectory) else {
            return ConfigError(["data", "dir"], "\(dataDir): no such dataset directory (make one with `windtunnel data prepare`)")
        }
        guard isDirectory.boolValue else { return ConfigError(["data", "dir"], "\(dataDir): expected a dataset directory, found a file") }
        let meta = URL(fileURLWithPath: dataDir).appendingPathComponent("meta.json")
        guard FileManager.default.fileExists(atPath: meta.path) else {
            return ConfigError(["model", "vocab_size"], "missing, and \(dataDir) has no meta.json to take it from (set model.vocab_size)")
        }
        guard vocabularySize(dataDir: dataDir) != nil else {
            return ConfigError(["data", "dir"], "\(meta.path): unreadable or without an integer vocab_size (prepare the data again)")
        }
        return nil
    }

    /// Decodes `T` from JSON bytes; errors read "<source>: <field>: <problem>".
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: Data, source: String) throws -> T {
        try decode(type, from: try parse(bytes, source: source), source: source)
    }

    /// Decodes `T` from a JSON tree (`JSONTreeDecoder`); errors read "<source>: <field>: <problem>".
    public static func decode<T: Decodable>(_ type: T.Type, from tree: JSONValue, source: String) throws -> T {
        do { return try JSONTreeDecoder().decode(T.self, from: tree) } catch let e as ConfigError {
            throw ConfigError([], "\(source): \(e)")
        }
    }

    /// A decoding error as "<dotted.path[i]>: <problem>".
    public static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            let p = (c.codingPath + (key.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
            return p.isEmpty ? "(top level)" : p
        }
        switch error {
        case .keyNotFound(let key, let c): return "\(path(c, key)): missing required field"
        case .typeMismatch(let type, let c): return "\(path(c)): expected \(typeName(type))"
        case .valueNotFound(let type, let c): return "\(path(c)): expected \(typeName(type)), got null"
        case .dataCorrupted(let c):
            return c.codingPath.isEmpty ? "invalid JSON (\((c.underlyingError as NSError?)?.localizedDescription ?? c.debugDescription))"
                : "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        case is [Double].Type: return "a list of numbers"
        case is [String: JSONValue].Type: return "an object"
        case is [String: [JSONValue]].Type: return "an object of key path → list of values"
        case is [[String: JSONValue]].Type: return "a list of objects"
        default: return "\(type)"
        }
    }

    /// Why a file could not be read, short ("no such file").
    public static func readReason(_ error: Error) -> String {
        FileErrors.reason(error)
    }
}

extension JSONValue {
    /// Sets `model.vocab_size` from the data directory's meta.json when the config leaves it out
    /// (so a config need not repeat what `data prepare` recorded). `lookup` maps `data.dir` to
    /// the vocabulary size (the sweep planner caches it).
    public mutating func fillVocabularySize(lookup: (String) -> Int? = ConfigLoading.vocabularySize(dataDir:)) {
        guard self[["model", "vocab_size"]] == nil, case .string(let dir)? = self[["data", "dir"]],
              let v = lookup(dir) else { return }
        try? set(.int(v), at: ["model", "vocab_size"])
    }
}

extension TrainConfig {
    /// Loads, overrides, decodes and validates a train config. When `model.vocab_size` is absent
    /// it is taken from the data directory's meta.json.
    public static func load(_ url: URL, overrides: [String] = []) throws -> TrainConfig {
        var tree = try ConfigLoading.readObject(url)
        try ConfigLoading.applyOverrides(overrides, to: &tree)
        tree.fillVocabularySize()
        if tree[["model", "vocab_size"]] == nil, case .string(let dir)? = tree[["data", "dir"]],
           let problem = ConfigLoading.vocabularySource(dataDir: dir) {
            throw ConfigError([], "\(url.path): \(problem)")
        }
        let config = try ConfigLoading.decode(TrainConfig.self, from: tree, source: url.path)
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
