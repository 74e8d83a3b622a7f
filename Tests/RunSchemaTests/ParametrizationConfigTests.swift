import Foundation
import RunSchema
import Testing

/// `model.parametrization`, `base_width`, `base_depth`: decoding, multipliers, field-named errors.
@Suite struct ParametrizationConfigTests {
    static func model(_ edit: (inout GPTConfig) -> Void) -> GPTConfig {
        var c = GPTConfig(vocabSize: 11, contextLength: 8, dModel: 64, nLayer: 4, nHead: 2)
        edit(&c)
        return c
    }

    static func error(_ edit: (inout GPTConfig) -> Void) -> String? {
        do { try model(edit).validate(); return nil } catch { return "\(error)" }
    }

    @Test func decodesAndDefaultsToSP() throws {
        let plain = #"{"vocab_size": 11, "context_length": 8, "d_model": 64, "n_layer": 4, "n_head": 2}"#
        let sp = try JSONDecoder().decode(GPTConfig.self, from: Data(plain.utf8))
        #expect(sp.parametrization == .sp && sp.widthMultiplier == 1 && sp.depthMultiplier == 1)
        let json = #"{"vocab_size": 11, "context_length": 8, "d_model": 64, "n_layer": 4, "n_head": 2, "parametrization": "completep", "base_width": 16, "base_depth": 2}"#
        let c = try JSONDecoder().decode(GPTConfig.self, from: Data(json.utf8))
        #expect(c.parametrization == .completep && c.baseWidth == 16 && c.baseDepth == 2)
        #expect(c.widthMultiplier == 4 && c.depthMultiplier == 2)
        try c.validate()
        // μP scales with width only; SP ignores the bases (one config serves every parametrisation).
        #expect(Self.model { $0.parametrization = .mup; $0.baseWidth = 16; $0.baseDepth = 2 }.depthMultiplier == 1)
        let ignored = Self.model { $0.baseWidth = 16; $0.baseDepth = 2 }
        try ignored.validate()
        #expect(ignored.widthMultiplier == 1 && ignored.depthMultiplier == 1)
        // Round trip through the run dir's config.json.
        #expect(try JSONDecoder().decode(GPTConfig.self, from: JSONEncoder().encode(c)) == c)
    }

    @Test func errorsNameTheField() {
        #expect(Self.error { $0.parametrization = .mup; $0.baseDepth = 2 }?.hasPrefix("base_width: mup needs base_width") == true)
        #expect(Self.error { $0.parametrization = .completep; $0.baseWidth = 16 }?.hasPrefix("base_depth: completep needs base_depth") == true)
        #expect(Self.error { $0.parametrization = .mup; $0.baseWidth = 0; $0.baseDepth = 2 } == "base_width: must be positive, got 0")
        #expect(Self.error { $0.parametrization = .completep; $0.baseWidth = 16; $0.baseDepth = -1 } == "base_depth: must be positive, got -1")
        #expect(Self.error { $0.baseWidth = -8 } == "base_width: must be positive, got -8")  // checked under SP too
        let bad = #"{"vocab_size": 11, "context_length": 8, "d_model": 64, "n_layer": 4, "n_head": 2, "parametrization": "mupp"}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(GPTConfig.self, from: Data(bad.utf8)) }
    }
}
