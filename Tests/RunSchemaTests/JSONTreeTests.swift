import Foundation
import RunSchema
import Testing

/// The JSON tree configs are edited as: `--set` overrides, canonical printing, the vocab fill.
@Suite struct JSONTreeTests {
    func tree(_ json: String) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)) }

    @Test func overridesParseJSONElseString() throws {
        var t = try tree(#"{"model": {"d_model": 32}, "optim": null}"#)
        try ConfigLoading.applyOverrides(["model.d_model=64", "optim.lr=1e-3", "schedule.kind=wsd",
                                          "model.moe={\"num_experts\": 4, \"top_k\": 2}", "model.bias=false"], to: &t)
        #expect(t[["model", "d_model"]] == .int(64))
        #expect(t[["optim", "lr"]] == .double(1e-3))  // a null becomes an object
        #expect(t[["schedule", "kind"]] == .string("wsd"))
        #expect(t[["model", "moe", "top_k"]] == .int(2))
        #expect(t[["model", "bias"]] == .bool(false))
        #expect(t.canonical == #"{"model":{"bias":false,"d_model":64,"moe":{"num_experts":4,"top_k":2}},"optim":{"lr":0.001},"schedule":{"kind":"wsd"}}"#)
    }

    @Test func overrideErrorsNameTheProblem() throws {
        var t = try tree(#"{"model": {"d_model": 32}}"#)
        #expect(throws: ConfigError([], "--set 'model.d_model': expected key.path=value")) {
            try ConfigLoading.applyOverrides(["model.d_model"], to: &t)
        }
        #expect(throws: ConfigError(["model", "d_model"], "is 32, not an object, so d_model.x cannot be set")) {
            try ConfigLoading.applyOverrides(["model.d_model.x=1"], to: &t)
        }
    }

    @Test func canonicalPrintingIsStable() throws {
        #expect(try tree(#"{"b": 2.0, "a": [1, 0.5, "x\n"]}"#).canonical == #"{"a":[1,0.5,"x\n"],"b":2}"#)
        #expect(JSONValue.double(3e-4).description == "0.0003")
    }

    @Test func vocabularySizeComesFromMetaJSON() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runschema-meta-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"vocab_size": 65, "tokenizer": "char"}"#.utf8).write(to: dir.appendingPathComponent("meta.json"))
        var t = try tree(#"{"data": {"dir": "\#(dir.path)"}, "model": {"d_model": 8}}"#)
        t.fillVocabularySize()
        #expect(t[["model", "vocab_size"]] == .int(65))
        var given = try tree(#"{"data": {"dir": "\#(dir.path)"}, "model": {"vocab_size": 30}}"#)
        given.fillVocabularySize()
        #expect(given[["model", "vocab_size"]] == .int(30))
        var none = try tree(#"{"data": {"dir": "/nonexistent"}, "model": {}}"#)
        none.fillVocabularySize()
        #expect(none[["model", "vocab_size"]] == nil)
    }

    /// nanoGPT's OpenWebText layout has no meta.json: the split sizes come from the .bin files.
    @Test func splitTokenCountsFallBackToTheBinFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runschema-bins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(ConfigLoading.trainTokens(dataDir: dir.path) == nil)
        try Data(count: 2 * 1000).write(to: dir.appendingPathComponent("train.bin"))
        try Data(count: 2 * 30).write(to: dir.appendingPathComponent("val.bin"))
        #expect(ConfigLoading.trainTokens(dataDir: dir.path) == 1000)
        #expect(ConfigLoading.valTokens(dataDir: dir.path) == 30)
        #expect(ConfigLoading.vocabularySize(dataDir: dir.path) == nil)
        try Data(#"{"train_tokens": 999, "val_tokens": 31}"#.utf8).write(to: dir.appendingPathComponent("meta.json"))
        #expect(ConfigLoading.trainTokens(dataDir: dir.path) == 999)
        #expect(ConfigLoading.valTokens(dataDir: dir.path) == 31)
    }
}
