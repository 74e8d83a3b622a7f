import CommandTestSupport
import Foundation
import Sweep
import Testing
import RunSchema

/// `sweep run` end to end with tiny runs on synthetic data (each test its own directory).
@Suite struct ExecutorTests {
    struct Fixture {
        let dir: URL
        let spec: URL
        let plan: SweepPlan
        var store: SweepFiles { plan.store }
    }

    func fixture(_ label: String, steps: Int, grid: String, set: String = "{}") throws -> Fixture {
        let dir = try temporaryDirectory(label)
        let data = try makeSyntheticDataset(in: dir)
        let spec = try writeSpec("""
            { "base": \(tinyBase(dataDir: data, steps: steps)), "out_dir": "\(dir.path)/sweep", "set": \(set), "grid": \(grid) }
            """, in: dir)
        return Fixture(dir: dir, spec: spec, plan: try SweepPlanner.plan(specAt: spec))
    }

    @Test func killedChildIsRecordedAndTheRerunResumesItFromItsCheckpoint() throws {
        let f = try fixture("kill", steps: 1000, grid: #"{ "axes": { "seed": [1, 2] } }"#)
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let victim = f.plan.runs[0].id
        let sweep = try Windtunnel(["sweep", "run", f.spec.path, "--jobs", "1"], in: f.dir)
        // Kill the child once it has logged past its second checkpoint (step 20).
        let lock = f.store.lockFile(victim)
        let past = waitUntil(timeout: 60) { ((try? loggedSteps(f.store.files(victim).metrics))?.last ?? 0) >= 25 }
        #expect(past)
        let owner = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: lock)) as? [String: Any])
        let child = try #require(owner["child_pid"] as? Int)
        kill(pid_t(child), SIGKILL)
        let first = try sweep.wait()
        #expect(first.status == 4, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("FAILED \(victim): killed by SIGKILL"), "\(first.stdout)")
        let record = try #require(f.store.record(victim))
        #expect(record.status == .failed && record.signal == SIGKILL && record.attempts == 1)
        #expect(f.store.state(of: f.plan.runs[0]).kind == .failed)
        // The sweep went on with the other run.
        #expect(f.store.summary(f.plan.runs[1].id)?.status == .finished)
        #expect(!FileManager.default.fileExists(atPath: lock.path))

        let second = try runWindtunnel(["sweep", "run", f.spec.path, "--jobs", "1"], in: f.dir)
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.stdout.contains("resumed \(victim)") && second.stdout.contains("skip \(f.plan.runs[1].id): already finished"))
        #expect(f.store.record(victim)?.attempts == 2)
        #expect(f.store.summary(victim)?.steps == 1000)
        // Every logged step exactly once, in order: the resume dropped what followed the checkpoint.
        let steps = try loggedSteps(f.store.files(victim).metrics)
        #expect(steps == [1] + Array(stride(from: 5, through: 1000, by: 5)))
        let log = try String(contentsOf: f.store.logFile(victim), encoding: .utf8)
        #expect(log.contains("resuming at step"))
        let csv = try String(contentsOf: f.store.resultsCSV, encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 3)
    }

    @Test func divergedRunIsRecordedAndTheOthersFinish() throws {
        let f = try fixture("diverge", steps: 30, grid: #"{ "axes": { "optim.lr": [3e-3, 1e6] } }"#,
                            set: #"{ "optim.grad_clip": 0, "schedule.warmup_steps": 0, "schedule.kind": "constant" }"#)
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let r = try runWindtunnel(["sweep", "run", f.spec.path, "--jobs", "2", "--oversubscribe"], in: f.dir)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let bad = try #require(f.plan.runs.first { $0.config.optim.lr == 1e6 })
        let good = try #require(f.plan.runs.first { $0.config.optim.lr == 3e-3 })
        #expect(f.store.state(of: bad).kind == .diverged)
        #expect(f.store.record(bad.id)?.status == .diverged && f.store.record(bad.id)?.exitCode == 3)
        #expect(f.store.state(of: good).kind == .done)
        #expect(r.stdout.contains("diverged \(bad.id)"))
        let rows = Results.rows(f.plan)
        #expect(rows.map { $0["run_id"] } == [.string(good.id)])
        // The final eval's standard error, from summary.json (issue 11).
        let se = rows.first?[ResultsColumns.valLossSE]
        #expect(se == f.store.summary(good.id)?.finalValLossSE.map(JSONValue.double) && se != nil)
        // Epochs of the training split: from summary.json, or, for a summary written before it
        // had the field, from D and the data directory's meta.json (the same number).
        let split = try #require(ConfigLoading.trainTokens(dataDir: good.config.data.dir))
        let expected = good.tokens / Double(split)
        guard case .double(let logged)? = rows.first?[ResultsColumns.epochs] else { Issue.record("no epochs: \(rows)"); return }
        #expect(abs(logged - expected) < 1e-12 && f.store.summary(good.id)?.epochs != nil)
        let summaryURL = f.store.files(good.id).summary
        var old = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summaryURL)) as? [String: Any])
        old["epochs"] = nil
        try JSONSerialization.data(withJSONObject: old).write(to: summaryURL)
        #expect(f.store.summary(good.id)?.epochs == nil)
        guard case .double(let rebuilt)? = Results.rows(f.plan).first?[ResultsColumns.epochs] else { Issue.record("no epochs after removing it"); return }
        #expect(abs(rebuilt - expected) < 1e-12)
        let status = try runWindtunnel(["sweep", "status", f.spec.path], in: f.dir)
        #expect(status.stdout.contains("1 done, 1 diverged"), "\(status.stdout)")
        // A rerun leaves both alone (a divergence is a result, not a failure to retry).
        let again = try runWindtunnel(["sweep", "run", f.spec.path, "--jobs", "1"], in: f.dir)
        #expect(again.status == 0 && again.stdout.contains("0 started"), "\(again.stdout)")
    }

    @Test func twoSweepProcessesRunEveryRunExactlyOnce() throws {
        let f = try fixture("concurrent", steps: 40, grid: #"{ "axes": { "seed": [1, 2, 3, 4, 5, 6] } }"#)
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let a = try Windtunnel(["sweep", "run", f.spec.path, "--jobs", "1"], in: f.dir, logName: "a")
        let b = try Windtunnel(["sweep", "run", f.spec.path, "--jobs", "1"], in: f.dir, logName: "b")
        let ra = try a.wait(), rb = try b.wait()
        #expect(ra.status == 0 && rb.status == 0, "\(ra.stdout)\n\(rb.stdout)\n\(ra.stderr)\(rb.stderr)")
        let starts = (ra.stdout + rb.stdout).split(separator: "\n").filter { $0.contains("] started ") || $0.contains("] resumed ") }
        for run in f.plan.runs {
            #expect(starts.filter { $0.contains(run.id) }.count == 1, "\(run.id)\n\(ra.stdout)\n\(rb.stdout)")
            #expect(f.store.record(run.id)?.attempts == 1 && f.store.summary(run.id)?.status == .finished)
            let log = try String(contentsOf: f.store.logFile(run.id), encoding: .utf8)
            #expect(log.components(separatedBy: "finished: val loss").count == 2)
        }
        #expect(try String(contentsOf: f.store.resultsCSV, encoding: .utf8).split(separator: "\n").count == 7)
    }

    @Test func sigtermStopsChildrenAtACheckpointAndTheRerunCompletes() throws {
        let f = try fixture("sigterm", steps: 1000, grid: #"{ "axes": { "seed": [1, 2, 3] } }"#)
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let sweep = try Windtunnel(["sweep", "run", f.spec.path, "--jobs", "2", "--oversubscribe"], in: f.dir)
        let first = f.plan.runs[0].id
        #expect(waitUntil(timeout: 60) { ((try? loggedSteps(f.store.files(first).metrics))?.last ?? 0) >= 15 })
        sweep.process.terminate()  // SIGTERM to the sweep only; it forwards one to each child
        let r = try sweep.wait()
        #expect(r.status == 128 + SIGTERM, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("received SIGTERM"))
        let interrupted = f.plan.runs.filter { f.store.record($0.id)?.status == .interrupted }
        #expect(!interrupted.isEmpty)
        for run in interrupted {
            #expect(f.store.state(of: run).kind == .interrupted)
            #expect(f.store.summary(run.id) == nil)
            // Checkpointed, unless the signal came before `train` had installed its handler.
            #expect(f.store.files(run.id).hasCheckpoint || f.store.record(run.id)?.reason?.hasPrefix("killed by SIGTERM") == true)
        }
        #expect(interrupted.contains { f.store.files($0.id).hasCheckpoint })
        let again = try runWindtunnel(["sweep", "run", f.spec.path, "--jobs", "2", "--oversubscribe"], in: f.dir)
        #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")
        for run in f.plan.runs {
            #expect(f.store.summary(run.id)?.steps == 1000)
            #expect(try loggedSteps(f.store.files(run.id).metrics) == [1] + Array(stride(from: 5, through: 1000, by: 5)))
        }
    }

    @Test func staleLocksAreTakenOverAndLiveOnesRespected() throws {
        let f = try fixture("locks", steps: 20, grid: #"{ "axes": { "seed": [1, 2] } }"#)
        defer { try? FileManager.default.removeItem(at: f.dir) }
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        func lock(_ run: PlannedRun, pid: Int32) throws {
            try FileManager.default.createDirectory(at: f.store.runDirectory(run.id), withIntermediateDirectories: true)
            try #"{"pid": \#(pid), "host": "\#(host)", "started": "2026-01-01T00:00:00Z"}"#
                .write(to: f.store.lockFile(run.id), atomically: true, encoding: .utf8)
        }
        // A dead holder (a pid that cannot exist) and a live one (this test process).
        let (stale, live) = (f.plan.runs[0], f.plan.runs[1])
        try lock(stale, pid: 999_999_999)
        try lock(live, pid: getpid())
        #expect(f.store.state(of: live).kind == .running && f.store.state(of: stale).kind == .pending)
        let r = try runWindtunnel(["sweep", "run", f.spec.path, "--jobs", "1"], in: f.dir)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("skip \(live.id): running elsewhere (pid \(getpid()) on \(host)"), "\(r.stdout)")
        #expect(r.stdout.contains("1 running elsewhere"))
        #expect(f.store.summary(stale.id)?.status == .finished && f.store.summary(live.id) == nil)
        #expect(!FileManager.default.fileExists(atPath: f.store.lockFile(stale.id).path))
        try FileManager.default.removeItem(at: f.store.lockFile(live.id))
        let again = try runWindtunnel(["sweep", "run", f.spec.path, "--jobs", "1"], in: f.dir)
        #expect(again.status == 0 && f.store.summary(live.id)?.status == .finished, "\(again.stdout)")
    }

    @Test func wsdBranchesWaitForTheirStableRun() throws {
        let dir = try temporaryDirectory("wsdrun")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try makeSyntheticDataset(in: dir)
        let spec = try writeSpec("""
            { "base": \(tinyBase(dataDir: data)), "out_dir": "\(dir.path)/sweep",
              "wsd_branches": { "tokens": [1280, 2560], "cooldown_fraction": 0.25 } }
            """, in: dir)
        let plan = try SweepPlanner.plan(specAt: spec)
        #expect(plan.runs.map(\.role) == [.stable, .branch, .branch])
        // Asking for a branch alone reports it blocked and runs nothing.
        let alone = try runWindtunnel(["sweep", "run", spec.path, "--only", plan.runs[1].id, "--jobs", "1"], in: dir)
        #expect(alone.status == 4 && alone.stdout.contains("is pending"), "\(alone.stdout)")
        let r = try runWindtunnel(["sweep", "run", spec.path, "--jobs", "2", "--oversubscribe"], in: dir)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let stableDone = try #require(lines.firstIndex { $0.contains("finished \(plan.runs[0].id)") })
        for branch in plan.runs.dropFirst() {
            let started = try #require(lines.firstIndex { $0.contains("\(branch.id):") && $0.contains("started") })
            #expect(started > stableDone)
            let summary = try #require(plan.store.summary(branch.id))
            #expect(summary.status == .finished && Double(summary.steps * 64) == branch.tokens)
            // Its throughput counts the cooldown it trained, not the stable run's steps.
            let own = Double((branch.steps - branch.branchStep!) * 64)
            #expect(abs(summary.tokensPerS * summary.wallTimeS - own) <= 1e-6 * own, "\(summary.tokensPerS) × \(summary.wallTimeS) vs \(own)")
            // The branch logged only its cooldown steps.
            let steps = try loggedSteps(plan.store.files(branch.id).metrics)
            #expect(steps.first! > branch.branchStep! && steps.last == branch.steps)
        }
        let rows = Results.rows(plan)
        #expect(rows.count == 3)
        #expect(rows.filter { $0["branch_of"] == .string(plan.runs[0].id) }.count == 2)
    }
}
