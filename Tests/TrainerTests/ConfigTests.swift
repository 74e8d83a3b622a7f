import CommandTestSupport
import Foundation
import NN
import RunSchema
import Testing
import Trainer

@Suite struct ConfigTests {
    func load(_ json: String, overrides: [String] = []) throws -> TrainConfig {
        let dir = try temporaryDirectory("cfg")
        defer { try? FileManager.default.removeItem(at: dir) }
        return try TrainConfig.load(try writeConfig(json, in: dir, name: "c.json"), overrides: overrides)
    }

    /// The error text with the temporary path replaced by "c.json".
    func message(_ json: String, overrides: [String] = []) -> String? {
        do { _ = try load(json, overrides: overrides); return nil } catch {
            return "\(error)".replacingOccurrences(of: #"^.*/c\.json"#, with: "c.json", options: .regularExpression)
        }
    }

    let valid = tinyTrainConfigJSON(dataDir: URL(fileURLWithPath: "/nonexistent"))

    @Test func validConfigAndOverrides() throws {
        var c = try load(valid.replacingOccurrences(of: #""n_head": 4 }"#, with: #""n_head": 4, "vocab_size": 30 }"#))
        #expect(c.model.dModel == 32 && c.totalSteps == 40 && c.tokensPerStep == 8 * 32)
        c = try load(valid.replacingOccurrences(of: #""n_head": 4 }"#, with: #""n_head": 4, "vocab_size": 30 }"#),
                     overrides: ["model.d_model=64", "optim.lr=1e-2", "model.moe.num_experts=4", "model.moe.top_k=2", "schedule.kind=wsd"])
        #expect(c.model.dModel == 64 && c.optim.lr == 1e-2 && c.model.moe?.numExperts == 4 && c.schedule.kind == .wsd)
    }

    /// Without vocab_size the data directory is read first, so its absence is the error (not the
    /// missing field it would have filled).
    @Test func aMissingDataDirectoryIsNamedBeforeTheVocabulary() throws {
        #expect(message(valid) == "c.json: data.dir: /nonexistent: no such dataset directory (make one with `windtunnel data prepare`)")
        let dir = try temporaryDirectory("nometa")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(message(valid.replacingOccurrences(of: "/nonexistent", with: dir.path))
            == "c.json: model.vocab_size: missing, and \(dir.path) has no meta.json to take it from (set model.vocab_size)")
    }

    @Test func errorsNameTheFileAndField() {
        let v = valid.replacingOccurrences(of: #""n_head": 4 }"#, with: #""n_head": 4, "vocab_size": 30 }"#)
        #expect(message(v.replacingOccurrences(of: "d_model", with: "d_modle"))?
            .hasPrefix("c.json: model.d_modle: unknown key (expected one of: vocab_size, context_length, d_model") == true)
        #expect(message(v, overrides: ["train.stepz=3"])?.hasPrefix("c.json: train.stepz: unknown key") == true)
        #expect(message(v.replacingOccurrences(of: #""n_layer": 2, "#, with: "")) == "c.json: model.n_layer: missing required field")
        #expect(message(v, overrides: ["model.n_head=5"]) == "c.json: model.d_model: 32 is not divisible by n_head = 5")
        #expect(message(v, overrides: ["optim.lr=0"]) == "c.json: optim.lr: must be > 0, got 0.0")
        #expect(message(v, overrides: ["train.tokens=1000"]) == "c.json: train: give exactly one budget: tokens, steps or flops (got 2)")
        #expect(message(v, overrides: ["train.steps=\"ten\""]) == "c.json: train.steps: expected an integer")
        #expect(message(v, overrides: ["schedule.kind=cosinus"])?.hasPrefix("c.json: schedule.kind: ") == true)
        #expect(message("{ not json")?.hasPrefix("c.json: invalid JSON") == true)
        do { _ = try TrainConfig.load(URL(fileURLWithPath: "/nonexistent/c.json")) } catch {
            #expect("\(error)" == "/nonexistent/c.json: cannot read config (no such file)")
        }
    }

    @Test func budgetsConvertToSteps() throws {
        let v = valid.replacingOccurrences(of: #""n_head": 4 }"#, with: #""n_head": 4, "vocab_size": 30 }"#)
            .replacingOccurrences(of: #""steps": 40"#, with: #""tokens": 2600"#)
        #expect(try load(v).totalSteps == 11)  // ⌈2600 / 256⌉
        let c = try load(v.replacingOccurrences(of: #""tokens": 2600"#, with: #""flops": 1e9"#))
        #expect(c.totalSteps == Int((1e9 / c.model.flopsPerToken / 256).rounded(.up)))
    }

    @Test func resolvedConfigRoundTrips() throws {
        let c = try load(valid.replacingOccurrences(of: #""n_head": 4 }"#, with: #""n_head": 4, "vocab_size": 30 }"#),
                         overrides: ["optim.grad_clip=null", "model.moe={\"num_experts\": 2, \"top_k\": 1}"])
        #expect(c.optim.gradClip == 0)
        let again = try JSONDecoder().decode(TrainConfig.self, from: try c.jsonData())
        #expect(again == c)
    }
}

@Suite struct FinalEvalConfigTests {
    let valid = tinyTrainConfigJSON(dataDir: URL(fileURLWithPath: "/nonexistent"))
        .replacingOccurrences(of: #""n_head": 4 }"#, with: #""n_head": 4, "vocab_size": 30 }"#)

    func load(_ overrides: [String]) throws -> TrainConfig {
        let dir = try temporaryDirectory("cfg")
        defer { try? FileManager.default.removeItem(at: dir) }
        return try TrainConfig.load(try writeConfig(valid, in: dir, name: "c.json"), overrides: overrides)
    }

    @Test func theCapDefaultsToHalfAMillionTokensAndNullMeansTheWholeSplit() throws {
        #expect(try load([]).train.finalEvalTokens == 524_288)
        #expect(try load(["train.final_eval_tokens=1000"]).train.finalEvalTokens == 1000)
        let whole = try load(["train.final_eval_tokens=null"])
        #expect(whole.train.finalEvalTokens == nil)
        // config.json writes the null, so a resumed run reads back "whole split", not the default.
        let json = String(decoding: try whole.jsonData(), as: UTF8.self)
        #expect(json.contains(#""final_eval_tokens" : null"#), "\(json)")
        #expect(try JSONDecoder().decode(TrainConfig.self, from: try whole.jsonData()) == whole)
        do { _ = try load(["train.final_eval_tokens=0"]); Issue.record("a cap of 0 was accepted") } catch {
            #expect("\(error)".hasSuffix("c.json: train.final_eval_tokens: must be positive (or null for the whole val split), got 0"))
        }
    }
}
