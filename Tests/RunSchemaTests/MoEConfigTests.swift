import Foundation
import RunSchema
import Testing

/// The `model.moe` section: decoding, defaults and errors that name the field.
@Suite struct MoEConfigTests {
    static func model(_ edit: (inout MoEConfig) -> Void) -> GPTConfig {
        var c = GPTConfig(vocabSize: 11, contextLength: 8, dModel: 16, nLayer: 2, nHead: 2)  // d_ff 64
        var m = MoEConfig(numExperts: 4, topK: 2)
        edit(&m)
        c.moe = m
        return c
    }

    static func error(_ edit: (inout MoEConfig) -> Void) -> String? {
        do { try model(edit).validate(); return nil } catch { return "\(error)" }
    }

    @Test func validValuesPass() throws {
        try Self.model { _ in }.validate()
        try Self.model { $0.topK = 4; $0.granularity = 4; $0.capacityFactor = 1.25; $0.everyNLayers = 2 }.validate()
        try Self.model { $0.granularity = 3; $0.dExpert = 20 }.validate()  // d_expert overrides the split
        try Self.model { $0.balancing = .bias; $0.routerScoring = .sigmoid; $0.sharedExperts = 2 }.validate()
    }

    @Test func errorsNameTheNestedField() {
        #expect(Self.error { $0.topK = 5 } == "moe.top_k: must be in 1...num_experts (4), got 5")
        #expect(Self.error { $0.topK = 0 } == "moe.top_k: must be in 1...num_experts (4), got 0")
        #expect(Self.error { $0.numExperts = 0; $0.topK = 0 } == "moe.num_experts: must be ≥ 1, got 0")
        #expect(Self.error { $0.granularity = 3 }
                == "moe.granularity: 3 does not divide d_ff = 64 (set d_expert explicitly or pick a divisor)")
        #expect(Self.error { $0.granularity = 0 } == "moe.granularity: must be ≥ 1, got 0")
        #expect(Self.error { $0.everyNLayers = 3 } == "moe.every_n_layers: must be in 1...n_layer (2), got 3")
        #expect(Self.error { $0.everyNLayers = 0 } == "moe.every_n_layers: must be in 1...n_layer (2), got 0")
        #expect(Self.error { $0.capacityFactor = 0 } == "moe.capacity_factor: must be > 0 or null (dropless), got 0.0")
        #expect(Self.error { $0.capacityFactor = -1.5 } == "moe.capacity_factor: must be > 0 or null (dropless), got -1.5")
        #expect(Self.error { $0.dExpert = 0 } == "moe.d_expert: must be ≥ 1, got 0")
        #expect(Self.error { $0.sharedExperts = -1 } == "moe.shared_experts: must be ≥ 0, got -1")
        #expect(Self.error { $0.auxLossCoef = -0.1 } == "moe.aux_loss_coef: must be ≥ 0, got -0.1")
        #expect(Self.error { $0.zLossCoef = -1 } == "moe.z_loss_coef: must be ≥ 0, got -1.0")
        #expect(Self.error { $0.balancing = .bias; $0.biasUpdateRate = 0 } == "moe.bias_update_rate: must be > 0 with balancing = bias")
    }

    static let header = #""vocab_size": 11, "context_length": 8, "d_model": 16, "n_layer": 2, "n_head": 2"#

    static func decode(_ moe: String) throws -> GPTConfig {
        try JSONDecoder().decode(GPTConfig.self, from: Data("{\(header), \"moe\": \(moe)}".utf8))
    }

    @Test func unknownKeyIsNamedWithItsPath() {
        #expect(throws: ConfigError.self) { try Self.decode(#"{"num_experts": 4, "top_k": 2, "topk": 1}"#) }
        do {
            _ = try Self.decode(#"{"num_experts": 4, "top_k": 2, "capacity": 1.25}"#)
        } catch {
            #expect("\(error)".hasPrefix("moe.capacity: unknown key (expected one of: num_experts, top_k, granularity,"))
            #expect("\(error)".contains("capacity_factor"))
        }
    }

    @Test func decodesDefaultsAndRoundTrips() throws {
        let c = try Self.decode(#"{"num_experts": 8, "top_k": 2}"#)
        let m = try #require(c.moe)
        #expect(m == MoEConfig(numExperts: 8, topK: 2))
        #expect(m.granularity == 1 && m.sharedExperts == 0 && m.dExpert == nil && m.capacityFactor == nil)
        #expect(m.auxLossCoef == 1e-2 && m.zLossCoef == 1e-3 && m.balancing == .auxLoss && m.routerScoring == .softmax)
        #expect(m.normalizeGates && m.biasUpdateRate == 1e-3 && m.everyNLayers == 1)

        let full = try Self.decode("""
            {"num_experts": 8, "top_k": 1, "granularity": 2, "shared_experts": 1, "d_expert": 24,
             "capacity_factor": 1.25, "aux_loss_coef": 0.02, "z_loss_coef": 0, "balancing": "bias",
             "router_scoring": "sigmoid", "normalize_gates": false, "bias_update_rate": 0.005, "every_n_layers": 2}
            """).moe!
        #expect(full.routedExperts == 16 && full.activeExperts == 2 && full.expertWidth(dFF: 64) == 24)
        #expect(full.capacityFactor == 1.25 && full.balancing == .bias && full.routerScoring == .sigmoid && !full.normalizeGates)
        #expect(full.isMoELayer(1) && !full.isMoELayer(0))
        let again = try JSONDecoder().decode(MoEConfig.self, from: JSONEncoder().encode(full))
        #expect(again == full)
        #expect(try Self.decode(#"{"num_experts": 4, "top_k": 2, "capacity_factor": null}"#).moe?.capacityFactor == nil)
        // A missing required key is a decoding error, not a silent default.
        #expect(throws: DecodingError.self) { try Self.decode(#"{"num_experts": 4}"#) }
    }
}
