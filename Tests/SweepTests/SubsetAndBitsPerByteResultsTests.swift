import CommandTestSupport
import Foundation
import RunSchema
import Sweep
import Testing

/// The sweep side of bits per byte (the `val_bpb` column, averaged in seed means; `vocab_size`) and of
/// `data.train_subset_tokens` (checked against the split at plan time; `isoflop.max_epochs`
/// counts epochs over the subset, as summary.json's `epochs` does).
@Suite struct SubsetAndBitsPerByteResultsTests {
    func summary(valLoss: Double, bpb: Double?) -> RunSummary {
        RunSummary(status: .finished, steps: 100, tokens: 1e5, flops: 1e11, flopsPerToken: 1e6, flopAccounting: "full",
                   params: 1000, paramsNonEmbedding: 800, paramsActive: 1000, paramsActiveNonEmbedding: 800,
                   finalTrainLoss: valLoss - 0.1, finalValLoss: valLoss, finalValBpb: bpb, bytesPerToken: bpb.map { _ in 1.25 },
                   wallTimeS: 1, tokensPerS: 1e5, schedule: "cosine", dModel: 32, nLayer: 2, seed: 1, epochs: 0.5)
    }

    @Test func theResultsTableCarriesValBpbAndItsSeedMean() throws {
        let dir = try temporaryDirectory("bpb-results")
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try writeSpec("""
            { "base": \(plannerBase), "out_dir": "\(dir.path)/sweep",
              "grid": { "axes": { "model.d_model": [16, 32] } }, "seeds": 2 }
            """, in: dir)
        let plan = try SweepPlanner.plan(specAt: spec)
        #expect(plan.runs.count == 4)
        // d_model 16: both seeds have bits per byte; d_model 32: data without a tokenizer.
        let values: [(Double, Double?)] = [(2.0, 1.5), (2.2, 1.7), (2.5, nil), (2.7, nil)]
        for (run, (loss, bpb)) in zip(plan.runs, values) {
            try FileManager.default.createDirectory(at: plan.store.runDirectory(run.id), withIntermediateDirectories: true)
            try summary(valLoss: loss, bpb: bpb).write(to: plan.store.files(run.id).summary)
        }
        let rows = Results.rows(plan)
        #expect(rows.map { $0[ResultsColumns.kind]?.description } == ["run", "run", "mean", "run", "run", "mean"].map { Optional($0) })
        #expect(rows.map { $0[ResultsColumns.valBpb]?.doubleValue } == [1.5, 1.7, 1.6, nil, nil, nil])
        #expect(rows[5][ResultsColumns.valBpb] == .null)
        // The vocabulary a run trained with, so runs on different tokenizations can be told apart.
        #expect(rows.allSatisfy { $0[ResultsColumns.vocabSize] == .int(64) })
        let csv = Results.csv(rows).split(separator: "\n", omittingEmptySubsequences: false).map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = try #require(csv[0].firstIndex(of: "val_bpb"))
        #expect(csv[1...6].map { String($0[column]) } == ["1.5", "1.7", "1.6", "", "", ""])
        let text = SweepTables.results(rows).split(separator: "\n").map { $0.split(separator: " ") }
        let textColumn = try #require(text[0].firstIndex(of: "val_bpb"))
        #expect(text[0][textColumn - 1] == "val_loss" && text[3][textColumn] == "1.6000", "\(text[3])")
        // Without any bits per byte (older summaries, data without a tokenizer) the text table
        // leaves the column out; the CSV keeps it, empty.
        #expect(!SweepTables.results(Array(rows[3...])).contains("val_bpb"))
    }

    @Test func theSubsetIsCheckedAtPlanTimeAndMaxEpochsCountsOverIt() throws {
        let data = try temporaryDirectory("subset-plan")
        defer { try? FileManager.default.removeItem(at: data) }
        try #"{ "vocab_size": 64, "train_tokens": 100000 }"#.write(to: data.appendingPathComponent("meta.json"), atomically: true, encoding: .utf8)
        let base = plannerBase.replacingOccurrences(of: "/nonexistent", with: data.path)
        func spec(subset: Int) -> String {
            """
            { "base": \(base), "set": { "data.train_subset_tokens": \(subset) },
              "isoflop": { "budgets": [1e9, 1e10], "max_epochs": 4,
                           "models": [ { "model.d_model": 16, "model.n_layer": 1 }, { "model.d_model": 128, "model.n_layer": 4, "model.n_head": 4 } ] } }
            """
        }
        let dir = try temporaryDirectory("subset-spec")
        defer { try? FileManager.default.removeItem(at: dir) }
        // 4 epochs of 20k tokens: runs beyond 80k tokens are dropped, although the split holds 100k.
        let plan = try SweepPlanner.plan(specAt: try writeSpec(spec(subset: 20_000), in: dir))
        #expect(!plan.runs.isEmpty && plan.runs.allSatisfy { $0.tokens <= 8e4 })
        let reasons = plan.dropped.map(\.reason)
        #expect(reasons.contains { $0.contains("epochs > max_epochs 4") && $0.contains("data.train_subset_tokens 20000 tokens") }, "\(reasons)")
        // A subset larger than the split: one error naming the field, nothing planned.
        do { _ = try SweepPlanner.plan(specAt: try writeSpec(spec(subset: 200_000), in: dir)); Issue.record("oversized subset planned") } catch {
            #expect("\(error)".contains("data.train_subset_tokens: expected at most the 100000 tokens of the training split of \(data.path), got 200000"), "\(error)")
        }
    }
}
