import CommandTestSupport
import Foundation
import RunSchema
import Sweep
import Testing

@Suite struct TunePlanTests {
    func plan(_ json: String) throws -> SweepPlan {
        let dir = try temporaryDirectory("tune-plan")
        defer { try? FileManager.default.removeItem(at: dir) }
        return try SweepPlanner.plan(specAt: try writeSpec(json, in: dir))
    }

    func planError(_ json: String) -> String? {
        do { _ = try plan(json); return nil } catch { return "\(error)" }
    }

    static let isoflop = """
        "isoflop": { "budgets": [3e10, 1e11], "models": [ { "model.d_model": 32, "model.n_layer": 2 }, { "model.d_model": 64, "model.n_layer": 3 } ] }
        """

    /// Ids of sweeps without tune/seeds are pinned (captured before tune and seeds existed):
    /// finished runs of existing sweeps keep their directories.
    @Test func idsOfSweepsWithoutTuneAreUnchanged() throws {
        let grid = try plan("""
            { "base": \(plannerBase), "grid": { "axes": { "optim.lr": [1e-3, 3e-3] } } }
            """)
        let iso = try plan("""
            { "base": \(plannerBase),
              "isoflop": { "budgets": [3e10], "models": [ { "model.d_model": 32, "model.n_layer": 2 } ] } }
            """)
        #expect(grid.runs.map(\.id) == ["lr0.001-30e79358", "lr0.003-b4ab92ed"])
        #expect(iso.runs.map(\.id) == ["d32-l2-c3e10-6c0c8ebb"])
        #expect(grid.runs.allSatisfy { $0.membership == nil } && iso.runs.allSatisfy { $0.membership == nil })
    }

    @Test func tuneExpandsEachIsoflopPointOverItsValues() throws {
        let plain = try plan("{ \"base\": \(plannerBase), \(Self.isoflop) }")
        let p = try plan("{ \"base\": \(plannerBase), \(Self.isoflop), \"tune\": { \"optim.lr\": [1e-3, 2e-3, 4e-3] } }")
        #expect(plain.runs.count == 4 && p.runs.count == 12)
        // Per point: same steps and shape, one run per lr, one point id.
        let byPoint = Dictionary(grouping: p.runs) { $0.membership!.point }
        #expect(byPoint.count == 4)
        for (point, runs) in byPoint {
            #expect(runs.map(\.config.optim.lr).sorted() == [1e-3, 2e-3, 4e-3])
            #expect(Set(runs.map(\.steps)).count == 1 && Set(runs.map(\.config.model.dModel)).count == 1)
            #expect(Set(runs.map { $0.membership!.group }).count == 3)
            #expect(point.hasPrefix(runs[0].labels.dropLast().joined(separator: "-")))
        }
        #expect(p.runs[0].labels == ["d32", "l2", "c3e10", "lr0.001"])
        #expect(Set(p.runs.map(\.id)).count == 12)
        // The tuned value replaces the base's: the lr-0.001 run is the untuned run's config.
        let same = p.runs.filter { $0.config.optim.lr == 1e-3 }.map { $0.id.suffix(8) }
        #expect(Set(same) == Set(plain.runs.map { $0.id.suffix(8) }))
    }

    @Test func twoTunedKeysFormACartesianProductAndSeedsRepeatEachCombination() throws {
        let p = try plan("""
            { "base": \(plannerBase), "grid": { "axes": { "model.d_model": [32, 64] } },
              "tune": { "optim.lr": [1e-3, 2e-3], "optim.weight_decay": [0, 0.1] }, "seeds": 3 }
            """)
        #expect(p.runs.count == 2 * 4 * 3)
        for runs in Dictionary(grouping: p.runs, by: { $0.membership!.point }).values {
            #expect(runs.count == 12)
            let groups = Dictionary(grouping: runs) { $0.membership!.group }
            #expect(groups.count == 4)
            for g in groups.values {
                #expect(g.map(\.config.seed) == [1337, 1338, 1339])  // base_seed (the default) + 0..2
                #expect(Set(g.map { "\($0.config.optim.lr)|\($0.config.optim.weightDecay)" }).count == 1)
            }
        }
        let explicit = try plan("""
            { "base": \(plannerBase), "grid": { "axes": { "model.d_model": [32] } }, "seeds": [7, 9] }
            """)
        #expect(explicit.runs.map(\.config.seed) == [7, 9])
        #expect(explicit.runs.map(\.labels) == [["d32", "seed7"], ["d32", "seed9"]])
        #expect(explicit.runs[0].membership!.group == explicit.runs[1].membership!.group)
    }

    @Test func badTuneAndSeedsBlocksAreOneErrorNamingTheField() throws {
        func error(_ extra: String, _ block: String = "\"grid\": { \"axes\": { \"model.d_model\": [32] } }") -> String {
            planError("{ \"base\": \(plannerBase), \(block), \(extra) }") ?? "no error"
        }
        #expect(error("\"tune\": { \"optim.lr\": [] }").contains("tune.optim.lr: empty list of values"))
        #expect(error("\"tune\": { \"optim.lr\": [[1e-3]] }").contains("tune.optim.lr: expected scalar values"))
        #expect(error("\"tune\": { \"model\": [1, 2] }").contains("tune.model: not a scalar config key"))
        let unknown = error("\"tune\": { \"optim.lrr\": [1, 2] }")
        #expect(unknown.contains("optim.lrr") && !unknown.contains("problems"), "\(unknown)")
        #expect(error("\"tune\": { \"model.d_model\": [32, 64] }").contains("tune.model.d_model: is also a grid axis"))
        #expect(error("\"tune\": { \"model.d_model\": [32, 64] }", Self.isoflop).contains("tune.model.d_model: is set per run by the isoflop block"))
        #expect(error("\"tune\": { \"train.steps\": [10, 20] }", Self.isoflop).contains("tune.train.steps: is set per run by the isoflop block"))
        #expect(error("\"tune\": { \"seed\": [1, 2] }").contains("tune.seed: seeds are not tuned"))
        #expect(error("\"seeds\": 0").contains("seeds: expected a count ≥ 1"))
        #expect(error("\"seeds\": []").contains("seeds: expected a count ≥ 1"))
        #expect(error("\"seeds\": [1, 1]").contains("seeds: expected"))
        #expect(error("\"seeds\": 2", "\"grid\": { \"axes\": { \"seed\": [1, 2] } }").contains("seeds: seed is also a grid axis"))
        #expect(error("\"tune\": {}").contains("tune: empty"))
    }
}

/// The results table's seed means and tuned marks, on synthetic rows (no training).
@Suite struct TunedResultsTests {
    typealias Row = Results.Row

    func run(_ point: String, lr: Double, seed: Int, valLoss: Double) -> (row: Row, membership: PointMembership?) {
        let row: Row = ["run_id": .string("\(point)-lr\(lr)-seed\(seed)"), "N": .int(1000), "val_loss": .double(valLoss),
                        "loss": .double(valLoss + 0.1), "lr": .double(lr), "seed": .int(seed), "status": .string("finished")]
        return (row, PointMembership(point: point, group: "\(point)-lr\(lr)", tuned: ["optim.lr": .double(lr)]))
    }

    static let tune = [SweepSpec.Tune(path: "optim.lr", values: [.double(1e-3), .double(2e-3), .double(4e-3)])]

    @Test func theBestValuePerPointIsTunedAndEdgesAreFlagged() throws {
        let rows = Results.annotate([
            run("p1", lr: 1e-3, seed: 1, valLoss: 3.0), run("p1", lr: 2e-3, seed: 1, valLoss: 2.5), run("p1", lr: 4e-3, seed: 1, valLoss: 2.7),
            run("p2", lr: 1e-3, seed: 1, valLoss: 2.9), run("p2", lr: 2e-3, seed: 1, valLoss: 2.8), run("p2", lr: 4e-3, seed: 1, valLoss: 2.6),
        ], tune: Self.tune, seeded: false)
        #expect(rows.count == 6)
        #expect(rows.map { $0["tuned"] } == [0, 1, 0, 0, 0, 1].map { JSONValue.int($0) })
        #expect(rows.map { $0["tune_edge"] ?? JSONValue.null } == [JSONValue.null, .null, .null, .null, .null, .string("high")])
        #expect(rows.allSatisfy { $0["kind"] == JSONValue.string("run") })
        #expect(rows[0]["point"] == JSONValue.string("p1"))
        #expect(Results.edgeWarnings(rows).count == 1 && Results.edgeWarnings(rows)[0].contains("p2-lr0.004-seed1"))
        let table = SweepTables.results(rows)
        #expect(table.contains("tune_edge") && table.contains("widen the grid"))
        let csv = Results.csv(rows).split(separator: "\n")
        #expect(csv[0].hasSuffix("kind,point,tuned,tune_edge,val_loss_std,n_seeds"))
    }

    @Test func seedMeansAggregateEachGroupAndTheBestUsesTheMean() throws {
        // lr 1e-3: 2.0 and 3.0 (mean 2.5, one lucky seed); lr 2e-3: 2.6 and 2.6 (mean 2.6).
        let rows = Results.annotate([
            run("p", lr: 1e-3, seed: 1, valLoss: 2.0), run("p", lr: 1e-3, seed: 2, valLoss: 3.0),
            run("p", lr: 2e-3, seed: 1, valLoss: 2.6), run("p", lr: 2e-3, seed: 2, valLoss: 2.6),
        ], tune: Self.tune, seeded: true)
        #expect(rows.map { $0["kind"] } == ["run", "run", "mean", "run", "run", "mean"].map { JSONValue.string($0) })
        let mean = rows[2]
        #expect(mean["run_id"] == JSONValue.string("p-lr0.001"))
        #expect(mean["val_loss"]?.doubleValue == 2.5 && mean["n_seeds"] == JSONValue.int(2))
        #expect(abs(mean["val_loss_std"]!.doubleValue! - 0.5.squareRoot()) < 1e-12)  // sample std of {2, 3}
        #expect(mean["point"] == JSONValue.string("p"))
        #expect(mean["seed"] == JSONValue.null && mean["status"] == JSONValue.null && mean["N"] == JSONValue.int(1000))
        #expect(rows[5]["val_loss_std"]?.doubleValue == 0)
        // The mean decides (2.5 < 2.6), not the lucky 2.0 run; the group's runs are tuned too.
        #expect(rows.map { $0["tuned"] } == [1, 1, 1, 0, 0, 0].map { JSONValue.int($0) })
        #expect(rows[2]["tune_edge"] == JSONValue.string("low") && (rows[0]["tune_edge"] ?? JSONValue.null) == JSONValue.null)
    }

    @Test func seedsWithoutTuneAddMeansButNoTunedMarks() throws {
        let rows = Results.annotate([run("p", lr: 1e-3, seed: 1, valLoss: 2.0), run("p", lr: 1e-3, seed: 2, valLoss: 2.2)],
                                    tune: [], seeded: true)
        #expect(rows.count == 3 && rows[2]["kind"] == JSONValue.string("mean") && (rows[2]["tuned"] ?? JSONValue.null) == JSONValue.null)
        #expect(abs(rows[2]["val_loss"]!.doubleValue! - 2.1) < 1e-12)
        #expect(SweepTables.results(rows).contains("2 finished run(s), 1 seed mean(s)"))
    }
}

/// `sweep run` and `sweep results` of a tuned, seeded spec end to end: 2 lrs × 2 seeds of one tiny
/// point (4 runs of 20 steps), and a bad tune block launching nothing.
@Suite struct TunedSweepRunTests {
    @Test func resultsHaveARowPerSeedAMeanPerGroupAndTheBestMarked() throws {
        let dir = try temporaryDirectory("tuned-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try makeSyntheticDataset(in: dir)
        let spec = try writeSpec("""
            { "base": \(tinyBase(dataDir: data, steps: 20)), "out_dir": "\(dir.path)/sweep",
              "grid": { "axes": { "model.d_model": [16] } }, "tune": { "optim.lr": [1e-3, 1e-2] }, "seeds": 2 }
            """, in: dir)
        let run = try runWindtunnel(["sweep", "run", spec.path, "--jobs", "2", "--oversubscribe"], in: dir)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let csv = try runWindtunnel(["sweep", "results", spec.path, "--csv"], in: dir)
        #expect(csv.status == 0)
        let table = csv.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = table[0]
        func column(_ name: String) -> [String] { let i = header.firstIndex(of: name)!; return table.dropFirst().map { $0[i] } }
        #expect(column("kind") == ["run", "run", "mean", "run", "run", "mean"])
        #expect(column("seed") == ["3", "4", "", "3", "4", ""])  // base seed 3 + 0, 1
        #expect(column("n_seeds") == ["", "", "2", "", "", "2"])
        #expect(Set(column("point")).count == 1, "\(column("point"))")
        let tuned = column("tuned"), loss = column("val_loss").map { Double($0)! }
        let best = loss[2] <= loss[5] ? 2 : 5
        #expect(tuned == (best == 2 ? ["1", "1", "1", "0", "0", "0"] : ["0", "0", "0", "1", "1", "1"]))
        #expect(column("tune_edge")[best] == (best == 2 ? "low" : "high"))  // two values: both are edges
        #expect(abs(loss[2] - (loss[0] + loss[1]) / 2) < 1e-9)
        #expect(csv.stderr.contains("edge of the tune grid"))
        let text = try runWindtunnel(["sweep", "results", spec.path], in: dir)
        #expect(text.stdout.contains("4 finished run(s), 2 seed mean(s)") && text.stdout.contains("warning: "), "\(text.stdout)")
    }

    @Test func aBadTuneBlockLaunchesNothing() throws {
        let dir = try temporaryDirectory("tuned-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (block, message) in [(#""tune": { "model": [1, 2] }"#, "tune.model: not a scalar config key"),
                                 (#""seeds": 0"#, "seeds: expected a count ≥ 1")] {
            let spec = try writeSpec("""
                { "base": \(plannerBase), "out_dir": "\(dir.path)/out", "grid": { "axes": { "model.d_model": [16, 32] } }, \(block) }
                """, in: dir)
            let r = try runWindtunnel(["sweep", "run", spec.path, "--jobs", "1"], in: dir)
            #expect(r.status == 1)
            #expect(r.stderr.contains(message) && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
        }
    }
}
