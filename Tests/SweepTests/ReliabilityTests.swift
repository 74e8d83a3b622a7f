import CommandTestSupport
import Foundation
import RunSchema
import Sweep
import Testing

/// Fault injection with real processes and files (issue 17): locks, hang-ups, a sweep killed
/// alone, a damaged summary.json. Each test stays a few seconds.
@Suite struct ProcessFaultTests {
    @Test func oneTrainPerRunDirectoryAndSIGHUPStopsAtACheckpoint() throws {
        let dir = try temporaryDirectory("hup")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try makeSyntheticDataset(in: dir)
        let config = try writeSpec(tinyBase(dataDir: data, steps: 5000), in: dir, name: "train.json")
        let out = dir.appendingPathComponent("run")
        let files = RunFiles(out)
        let first = try Windtunnel(["train", config.path, "--out", out.path], in: dir)
        #expect(waitUntil(timeout: 60) { ((try? loggedSteps(files.metrics))?.last ?? 0) >= 5 })

        let second = try runWindtunnel(["train", config.path, "--out", out.path, "--resume"], in: dir)
        #expect(second.status == 1)
        #expect(second.stderr.contains("\(out.path): another train process (pid \(first.process.processIdentifier)"), "\(second.stderr)")

        // A closed terminal: the run checkpoints and stops like on SIGTERM, and lets go of the lock.
        kill(first.process.processIdentifier, SIGHUP)
        let stopped = try first.wait()
        #expect(stopped.status == 128 + SIGHUP, "\(stopped.stdout)\n\(stopped.stderr)")
        #expect(stopped.stdout.contains("checkpoint saved"))
        #expect(files.hasCheckpoint && !FileManager.default.fileExists(atPath: files.lock.path))
    }

    @Test func childrenOfAKilledSweepStopAndTheNextStatusRepairsTheRecord() throws {
        let dir = try temporaryDirectory("orphan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try makeSyntheticDataset(in: dir)
        let spec = try writeSpec("""
            { "base": \(tinyBase(dataDir: data, steps: 5000)), "out_dir": "\(dir.path)/sweep", "grid": { "axes": { "seed": [1] } } }
            """, in: dir)
        let plan = try SweepPlanner.plan(specAt: spec)
        let id = plan.runs[0].id, store = plan.store
        let sweep = try Windtunnel(["sweep", "run", spec.path, "--jobs", "1"], in: dir)
        #expect(waitUntil(timeout: 60) { ((try? loggedSteps(store.files(id).metrics))?.last ?? 0) >= 5 })
        let child = try #require(store.record(id)?.childPid)

        kill(sweep.process.processIdentifier, SIGKILL)
        _ = try sweep.wait()
        // Reparented, the child notices within half a second, checkpoints and exits.
        #expect(waitUntil(timeout: 30) { !processAlive(child) }, "train \(child) outlived its sweep")
        #expect(store.files(id).hasCheckpoint)
        #expect(store.record(id)?.status == .running)

        let status = try runWindtunnel(["sweep", "status", spec.path], in: dir)
        #expect(status.status == 0)
        #expect(status.stdout.contains("repaired \(id): status was running but its sweep process"), "\(status.stdout)")
        #expect(store.record(id)?.status == .interrupted)
        #expect(!FileManager.default.fileExists(atPath: store.lockFile(id).path))
        #expect(store.state(of: plan.runs[0]).kind == .interrupted)
    }

    @Test func aFinishedRunWithACorruptSummaryIsReportedAndRebuilt() throws {
        let dir = try temporaryDirectory("corrupt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try makeSyntheticDataset(in: dir)
        let spec = try writeSpec("""
            { "base": \(tinyBase(dataDir: data, steps: 20)), "out_dir": "\(dir.path)/sweep", "grid": { "axes": { "seed": [1] } } }
            """, in: dir)
        let plan = try SweepPlanner.plan(specAt: spec)
        let id = plan.runs[0].id, store = plan.store
        #expect(try runWindtunnel(["sweep", "run", spec.path, "--jobs", "1"], in: dir).status == 0)
        let summary = store.files(id).summary
        let finished = try #require(store.summary(id))
        try Data(#"{"status": "finish"#.utf8).write(to: summary)

        #expect(store.state(of: plan.runs[0]).kind == .corrupt)
        let results = try runWindtunnel(["sweep", "results", spec.path, "--csv"], in: dir)
        #expect(results.stderr.contains("warning: run \(id) is not in the table: \(summary.path) is unreadable (not valid JSON)"), "\(results.stderr)")
        // A table rewritten without the run says which run left it and why.
        let lost = try Results.writeCSV(plan: plan)
        #expect(lost.count == 1 && lost[0].hasPrefix("results.csv: run \(id) was in the table and is not any more: it is corrupt: "), "\(lost)")

        let rerun = try runWindtunnel(["sweep", "run", spec.path, "--jobs", "1"], in: dir)
        #expect(rerun.status == 0, "\(rerun.stdout)\n\(rerun.stderr)")
        #expect(rerun.stdout.contains("rebuild \(id): summary.json unreadable"))
        #expect(store.summary(id)?.finalValLoss == finished.finalValLoss)
        #expect(try String(contentsOf: store.directory.appendingPathComponent("results.csv"), encoding: .utf8).contains(id))
    }

    @Test func unusableRuntimeSettingsAreRejectedOrClamped() throws {
        let dir = try temporaryDirectory("runtime")
        defer { try? FileManager.default.removeItem(at: dir) }
        let negative = try runWindtunnel(["train", "missing.json", "--stop-at-step=-3"], in: dir)
        #expect(negative.status == 2 && negative.stderr.contains("--stop-at-step must be ≥ 1, got -3"), "\(negative.stderr)")
        let env = try runWindtunnel(["train", "missing.json"], in: dir, environment: ["WINDTUNNEL_THREADS": "abc"])
        #expect(env.status == 1 && env.stderr.contains("WINDTUNNEL_THREADS=abc: expected a whole number of threads ≥ 1"), "\(env.stderr)")
        let many = try runWindtunnel(["train", "missing.json", "--threads", "100000"], in: dir)
        #expect(many.stderr.contains("--threads 100000 is more than"), "\(many.stderr)")
        #expect(many.stderr.contains("missing.json: cannot read config (no such file)"), "\(many.stderr)")
    }
}

@Suite struct PlanCollisionTests {
    @Test func aGridAxisThatAModelAlsoSetsIsAnError() throws {
        let dir = try temporaryDirectory("collide")
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try writeSpec("""
            { "base": \(plannerBase), "grid": { "axes": { "model.d_model": [16, 32] } },
              "isoflop": { "budgets": [1e11], "models": [ { "model.d_model": 64, "model.n_layer": 2 } ] } }
            """, in: dir)
        do { _ = try SweepPlanner.plan(specAt: spec); Issue.record("planned two names for one config") } catch {
            #expect("\(error)".contains("grid axis model.d_model is also set by isoflop.models (the model's value would replace the axis's); set it in one place"), "\(error)")
        }
    }

    @Test func aRunTooLargeForTheMachineLaunchesNothing() throws {
        let dir = try temporaryDirectory("toolarge")
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try writeSpec("""
            { "base": \(plannerBase), "out_dir": "\(dir.path)/sweep", "grid": { "axes": { "model.d_ff": [64, 500000000] } } }
            """, in: dir)
        let result = try runWindtunnel(["sweep", "run", spec.path], in: dir)
        #expect(result.status == 1)
        #expect(result.stderr.contains("1 run(s) too large for this machine, nothing launched"), "\(result.stderr)")
        #expect(result.stderr.contains("model.d_ff: 500000000: the activations of one micro-batch"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("sweep").path))
    }
}
