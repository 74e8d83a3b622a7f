import Foundation
import RunSchema

/// Runs a plan's pending runs as `windtunnel train` child processes, `jobs` at a time, each with
/// `threadsPerJob` threads. Finished runs are skipped, interrupted and failed ones resume from
/// their checkpoints, a branch starts once its stable run has finished, and a per-run lock keeps
/// concurrent `sweep run` processes from running anything twice. A crash, kill or divergence is
/// recorded in `runs/<id>/status.json` and the sweep goes on.
public final class LocalExecutor {
    public struct Options: Sendable {
        public var jobs: Int
        public var threadsPerJob: Int
        /// Run ids to run (nil = every run of the plan).
        public var only: [String]?
        /// The `windtunnel` executable that provides `train`.
        public var executable: URL
        /// Pass SIGINT/SIGTERM on to the children. Off under Slurm, which signals every process of
        /// a job itself (a second signal would make `train` exit without its checkpoint).
        public var forwardSignals = true
        public var pollInterval = 0.05

        public init(jobs: Int, threadsPerJob: Int, only: [String]? = nil, executable: URL) {
            self.jobs = jobs
            self.threadsPerJob = threadsPerJob
            self.only = only
            self.executable = executable
        }
    }

    public struct Report: Sendable {
        public var started: [String] = []
        public var finished: [String] = []
        public var diverged: [String] = []
        public var failed: [String] = []
        public var interrupted: [String] = []
        public var alreadyDone: [String] = []
        public var elsewhere: [String] = []
        public var blocked: [String] = []
        /// The signal that stopped the sweep, if any.
        public var stoppedBy: Int32?
        public var wallS = 0.0
        /// CPU time of the sweep process itself while running (scheduling, polling, bookkeeping).
        public var sweepCPUS = 0.0
        /// Σ over children of (process wall time − training time in summary.json): exec, config and
        /// data loading, model construction, exit. Only for runs trained in one session.
        public var childStartupS = 0.0
        /// Σ training time (summary wall_time_s) of the runs this sweep trained in one session.
        public var childTrainS = 0.0

        /// Every selected run ended (finished or diverged) and nothing was interrupted.
        public var complete: Bool { failed.isEmpty && interrupted.isEmpty && blocked.isEmpty && stoppedBy == nil }
    }

    struct Active {
        var run: PlannedRun
        var child: ChildProcess
        var record: RunRecord
        var resumed: Bool
    }

    let plan: SweepPlan
    let options: Options
    let store: SweepFiles
    let log: (String) -> Void

    public init(plan: SweepPlan, options: Options, log: @escaping (String) -> Void) {
        self.plan = plan
        self.options = options
        self.store = plan.store
        self.log = log
    }

    /// The selected runs; unknown ids are an error naming them.
    public static func select(_ only: [String]?, from plan: SweepPlan) throws -> [PlannedRun] {
        guard let only else { return plan.runs }
        let unknown = only.filter { plan.run($0) == nil }
        guard unknown.isEmpty else {
            throw SweepError("\(plan.specURL.path): unknown run id\(unknown.count > 1 ? "s" : "") \(unknown.joined(separator: ", ")) (see `windtunnel sweep plan`)")
        }
        return plan.runs.filter { only.contains($0.id) }
    }

    public func run() throws -> Report {
        let queue = SweepPlan.launchOrder(try Self.select(options.only, from: plan))
        let selected = Set(queue.map(\.id))
        try FileManager.default.createDirectory(at: store.runsDirectory, withIntermediateDirectories: true)
        let startWall = Date(), startCPU = processCPUSeconds()
        for line in store.repairStaleRecords(plan) { log("repaired \(line)") }
        var report = Report()
        var handled = Set<String>()
        var active: [String: Active] = [:]
        var signalsSeen = SweepSignals.count
        var stopping = false

        while true {
            for (id, a) in active where a.child.poll() != nil {
                finish(a, stopping: stopping, report: &report)
                active[id] = nil
            }
            if SweepSignals.count != signalsSeen {
                signalsSeen = SweepSignals.count
                let s = SweepSignals.last
                if !stopping { log("received \(signalName(s)): stopping; \(active.count) running run(s) checkpoint and stop") }
                stopping = true
                report.stoppedBy = s
                if options.forwardSignals { for a in active.values { a.child.signal(s) } }
            }
            var waiting = 0
            if !stopping {
                for run in queue where !handled.contains(run.id) && active[run.id] == nil {
                    // With every slot busy there is nothing to decide yet (and no files to read).
                    guard active.count < options.jobs else { waiting += 1; continue }
                    switch decide(run, selected: selected, handled: handled, active: active) {
                    case .wait:
                        waiting += 1
                    case .skip(let reason, let kind):
                        handled.insert(run.id)
                        log("skip \(run.id): \(reason)")
                        switch kind {
                        case .done: report.alreadyDone.append(run.id)
                        case .elsewhere: report.elsewhere.append(run.id)
                        case .blocked: report.blocked.append(run.id)
                        }
                    case .start:
                        handled.insert(run.id)
                        do {
                            switch try start(run) {
                            case .started(let a):
                                active[run.id] = a
                                report.started.append(run.id)
                            case .finishedMeanwhile: report.alreadyDone.append(run.id)
                            case .busy: report.elsewhere.append(run.id)
                            }
                        } catch {
                            // Recorded like a crash; the other runs go on.
                            report.failed.append(run.id)
                            log("FAILED \(run.id): \(error)")
                            try? store.write(RunRecord(status: .failed, reason: "\(error)", host: hostName(), pid: getpid(),
                                                       startedAt: isoNow(), endedAt: isoNow(), attempts: (store.record(run.id)?.attempts ?? 0) + 1),
                                             for: run.id)
                        }
                    }
                }
            }
            if active.isEmpty && (stopping || waiting == 0) { break }
            usleep(UInt32(options.pollInterval * 1e6))
        }
        // Runs never started because of a stop stay pending; say so.
        if stopping {
            let left = queue.filter { !handled.contains($0.id) }.count
            if left > 0 { log("\(left) run(s) not started") }
        }
        for line in try Results.writeCSV(plan: plan) { log(line) }
        report.wallS = Date().timeIntervalSince(startWall)
        report.sweepCPUS = processCPUSeconds() - startCPU
        return report
    }

    enum Decision {
        enum SkipKind { case done, elsewhere, blocked }
        case start, wait
        case skip(String, SkipKind)
    }

    func decide(_ run: PlannedRun, selected: Set<String>, handled: Set<String>, active: [String: Active]) -> Decision {
        if let s = store.summary(run.id) {
            return .skip(s.status == .finished ? "already finished" : "already ended (\(s.status.rawValue): \(s.reason ?? ""))", .done)
        }
        if let owner = RunLock.read(store.lockFile(run.id)), !owner.isStale {
            return .skip("running elsewhere (\(owner.summary))", .elsewhere)
        }
        guard let dep = run.dependsOn, let depRun = plan.run(dep) else { return .start }
        if active[dep] != nil { return .wait }
        let depState = store.state(of: depRun)
        switch depState.kind {
        case .done: return .start
        case .running: return .wait
        case .diverged: return .skip("its stable run \(dep) diverged", .blocked)
        case .failed, .interrupted, .corrupt, .pending:
            if selected.contains(dep) && !handled.contains(dep) { return .wait }
            return .skip("its stable run \(dep) is \(depState.kind.rawValue)\(depState.reason.map { " (\($0))" } ?? "")"
                         + (selected.contains(dep) ? "" : "; run it too (--only \(dep))"), .blocked)
        }
    }

    enum StartResult {
        case started(Active)
        /// Another process finished it between the check and the lock.
        case finishedMeanwhile
        /// Another process holds its lock.
        case busy
    }

    /// Locks and starts a run.
    func start(_ run: PlannedRun) throws -> StartResult {
        let dir = store.runDirectory(run.id)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let lock = store.lockFile(run.id)
        if let owner = try RunLock.acquire(lock) {
            log("skip \(run.id): running elsewhere (\(owner.summary))")
            return .busy
        }
        if store.summary(run.id) != nil {
            RunLock.release(lock)
            log("skip \(run.id): finished by another process")
            return .finishedMeanwhile
        }
        let files = store.files(run.id)
        if !FileManager.default.fileExists(atPath: files.config.path) {
            try run.config.jsonData().write(to: files.config, options: .atomic)
        }
        let resumed = files.hasCheckpoint
        if case .unreadable(let reason) = files.summaryState {
            log("rebuild \(run.id): summary.json unreadable (\(reason)); train --resume rebuilds it from the final checkpoint")
        }
        let previous = store.record(run.id)
        let arguments = ["train", files.config.path, "--out", dir.path, "--resume", "--threads", String(options.threadsPerJob)]
        let child: ChildProcess
        do {
            child = try ChildProcess(executable: options.executable.path, arguments: arguments, log: store.logFile(run.id))
        } catch {
            RunLock.release(lock)
            throw error
        }
        RunLock.setChild(child.pid, in: lock)
        let record = RunRecord(status: .running, reason: nil, exitCode: nil, signal: nil, host: hostName(), pid: getpid(),
                               childPid: child.pid, startedAt: isoNow(), endedAt: nil, attempts: (previous?.attempts ?? 0) + 1)
        try? store.write(record, for: run.id)
        let what = resumed ? "resumed" : (run.role == .branch ? "started (branch from step \(run.branchStep ?? 0))" : "started")
        log("\(what) \(run.id): \(run.stepsToTrain) steps, N \(compactNumber(Double(run.accounting.totalParams))), D \(compactNumber(run.tokens))")
        return .started(Active(run: run, child: child, record: record, resumed: resumed))
    }

    func finish(_ a: Active, stopping: Bool, report: inout Report) {
        let id = a.run.id
        var record = a.record
        record.endedAt = isoNow()
        record.childWallS = Date().timeIntervalSince(a.child.started)
        let summary = store.summary(id)
        switch a.child.exit {
        case .exited(let code)?: record.exitCode = code
        case .signaled(let s)?: record.signal = s
        case nil: break
        }
        switch (summary?.status, a.child.exit) {
        case (.finished?, _):
            record.status = .finished
        case (.diverged?, _):
            record.status = .diverged
            record.reason = summary?.reason
        case (.failed?, _):
            record.status = .failed
            record.reason = summary?.reason
        case (nil, .exited(let code)?) where code > 128 && [SIGINT, SIGTERM, SIGHUP].contains(code - 128):
            record.status = .interrupted
            record.reason = "stopped by \(signalName(code - 128)) (checkpointed; rerun to resume)"
        case (nil, .signaled(let s)?):
            record.status = stopping ? .interrupted : .failed
            record.reason = "killed by \(signalName(s))" + (stopping ? " while stopping" : "") + "; rerun resumes from the last checkpoint"
        case (nil, .exited(let code)?):
            record.status = .failed
            let last = lastLine(of: store.logFile(id))
            record.reason = code == 0 ? "train exited without writing summary.json" : "exit code \(code)" + (last.map { ": \($0)" } ?? "")
        case (nil, nil):
            record.status = .failed
        }
        try? store.write(record, for: id)
        RunLock.release(store.lockFile(id))
        switch record.status {
        case .finished:
            report.finished.append(id)
            if let s = summary, !a.resumed, let wall = record.childWallS {
                report.childStartupS += max(0, wall - s.wallTimeS)
                report.childTrainS += s.wallTimeS
            }
            let val = summary?.finalValLoss.map { String(format: "%.4f", $0) } ?? "n/a"
            log("finished \(id): val loss \(val), \(String(format: "%.1f", record.childWallS ?? 0)) s")
        case .diverged:
            report.diverged.append(id)
            log("diverged \(id): \(record.reason ?? "")")
        case .interrupted:
            report.interrupted.append(id)
            log("interrupted \(id): \(record.reason ?? "")")
        case .failed, .running:
            report.failed.append(id)
            log("FAILED \(id): \(record.reason ?? "") (log: \(store.logFile(id).path))")
        }
    }
}

/// SIGINT/SIGTERM/SIGHUP for `sweep run`: counted here, acted on by the executor's loop (a closed
/// terminal stops the sweep at checkpoints like Ctrl-C does).
public enum SweepSignals {
    nonisolated(unsafe) static var count: sig_atomic_t = 0
    nonisolated(unsafe) static var last: sig_atomic_t = 0

    public static func install() {
        // A parent may have started us with these blocked (the mask is inherited across exec).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s) { sig in
                SweepSignals.last = sig
                SweepSignals.count += 1
            }
        }
    }
}

func lastLine(of url: URL) -> String? {
    guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    try? handle.seek(toOffset: size > 4096 ? size - 4096 : 0)
    let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    let line = text.split(whereSeparator: \.isNewline).last.map { String($0).trimmingCharacters(in: .whitespaces) }
    return line.map { $0.count > 300 ? String($0.prefix(300)) + "…" : $0 }
}

func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}
