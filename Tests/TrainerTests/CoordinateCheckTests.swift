import CommandTestSupport
import Foundation
import RunSchema
import Testing
import Trainer

/// The coordinate check (Trainer/CoordinateCheck.swift) on the synthetic corpus: after a few
/// steps at a large lr, SP's logits and branch outputs grow with width; μP's stay put.
@Suite struct CoordinateCheckTests {
    static func config(dataDir: URL, _ parametrization: String, in root: URL, vocab: Int? = nil) throws -> TrainConfig {
        let vocabField = vocab.map { #""vocab_size": \#($0), "# } ?? ""
        let extra = parametrization == "sp" ? "" : #", "parametrization": "\#(parametrization)", "base_width": 32, "base_depth": 2"#
        let json = """
            {
              "seed": 3,
              "data": { "dir": "\(dataDir.path)" },
              "model": { \(vocabField)"context_length": 16, "d_model": 32, "n_layer": 2, "n_head": 4\(extra) },
              "train": { "batch_size": 4, "steps": 10 },
              "optim": { "lr": 1e-2, "weight_decay": 0 }
            }
            """
        return try TrainConfig.load(writeConfig(json, in: root, name: "\(parametrization).json"))
    }

    /// Thresholds from measurement (debug and release, seed 3, 4 steps at lr 1e-2): SP's slopes
    /// of log mean|activation| against log width are ≈ 2.0 (attention), 1.9 (MLP), 0.55 (logits);
    /// μP's are within ±0.2. Widths 32→128 around the proxy width 32.
    @Test func spGrowsWithWidthMuPStaysFlat() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try makeSyntheticDataset(in: root, characters: 20_000).dir
        func slopes(_ p: String) throws -> [CoordinateCheck.Site: Double] {
            let m = try CoordinateCheck(config: Self.config(dataDir: data, p, in: root), widths: [32, 64, 128], steps: 4).run()
            #expect(m.count == 3 * 5)  // 3 widths × (init + 4 steps)
            var out: [CoordinateCheck.Site: Double] = [:]
            for site in CoordinateCheck.Site.allCases { out[site] = CoordinateCheck.slope(m, axis: .width, site: site, step: 4) }
            return out
        }
        let sp = try slopes("sp"), mup = try slopes("mup")
        #expect(sp[.attention]! > 1.0 && sp[.mlp]! > 1.0 && sp[.block]! > 0.8, "SP: \(sp)")
        #expect(sp[.logits]! > 0.3, "SP: \(sp)")
        for site in [CoordinateCheck.Site.attention, .mlp, .block, .logits, .embedding] {
            #expect(abs(mup[site]!) < 0.4, "μP \(site): \(mup)")
        }
        #expect(abs(mup[.logits]!) < 0.2, "μP: \(mup)")
    }

    /// Depths 2→8 around the proxy depth 2 (measured: block-output slope ≈ 1.4 under μP, whose
    /// residual stream sums ever more unscaled branches; ≈ −0.2 under CompleteP).
    @Test func completePKeepsTheResidualStreamFlatAcrossDepth() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try makeSyntheticDataset(in: root, characters: 20_000).dir
        func blockSlope(_ p: String) throws -> Double {
            let m = try CoordinateCheck(config: Self.config(dataDir: data, p, in: root), widths: [], depths: [2, 4, 8], steps: 4).run()
            return CoordinateCheck.slope(m, axis: .depth, site: .block, step: 4)!
        }
        let mup = try blockSlope("mup"), completeP = try blockSlope("completep")
        #expect(mup > 0.7, "μP block-output slope vs depth \(mup)")
        #expect(abs(completeP) < 0.45, "CompleteP block-output slope vs depth \(completeP)")
    }

    @Test func impossibleSizesFailBeforeTraining() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        // No data dir needed: the sizes are checked before the data is read.
        let config = try Self.config(dataDir: root.appendingPathComponent("missing"), "mup", in: root, vocab: 64)
        func message(_ widths: [Int], _ depths: [Int] = [], steps: Int = 3) -> String? {
            do { _ = try CoordinateCheck(config: config, widths: widths, depths: depths, steps: steps); return nil } catch { return "\(error)" }
        }
        #expect(message([32, 30]) == "--widths 30: model.d_model: 30 is not divisible by n_head = 4")
        #expect(message([32, 0]) == "--widths: sizes must be ≥ 1, got 0")
        #expect(message([], [2, -1]) == "--depths: sizes must be ≥ 1, got -1")
        #expect(message([32], steps: 0) == "--steps must be ≥ 1, got 0")
        #expect(message([]) == "coordinate check: give --widths and/or --depths")
    }
}
