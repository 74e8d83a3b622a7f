import ArgumentParser
import Foundation
import RunSchema
import Sweep
import Trainer

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Plan, run and collect scaling sweeps (grids, isoFLOP budgets, WSD cooldown branches).",
        discussion: """
            The sweep directory is `sweeps/<spec name>` (or the spec's out_dir) with runs/<id>/ per run \
            and results.csv; the fitter reads both.
            """,
        subcommands: [Plan.self, Run.self, Status.self, Results.self, Slurm.self]
    )

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the run table with time estimates from a quick throughput probe; runs nothing.")
        @Argument(help: "Sweep spec (JSON).") var spec: String
        @Option(help: "Parallel runs the estimate assumes (default: cores / threads-per-job).") var jobs: Int?
        @Option(help: "Threads per run (the probe measures at this count).") var threadsPerJob = 1
        @Flag(inversion: .prefixedNo, help: "Time a few training steps per model shape for the estimates.") var probe = true

        func run() throws {
            let plan = try loadPlan(spec)
            try checkMemory(plan)
            let jobs = try resolveJobs(jobs, threadsPerJob: threadsPerJob, oversubscribe: true)
            let estimates = probe ? TimeEstimates.measure(plan) { config in
                let m = ThroughputProbe.measure(config, threads: threadsPerJob)
                return .init(secondsPerStep: m.secondsPerStep, secondsPerEvalBatch: m.secondsPerEvalBatch)
            } : nil
            print(SweepTables.plan(plan, estimates: estimates, jobs: jobs, threadsPerJob: threadsPerJob), terminator: "")
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the pending runs as `windtunnel train` processes; skips finished runs, resumes interrupted ones.",
            discussion: """
                One line per started/finished run; each run's output goes to runs/<id>/train.log. \
                Ctrl-C/SIGTERM stops the running runs at a checkpoint (rerun to resume). Exit status: \
                0 every selected run finished (or diverged: a result too), 4 some failed, were \
                interrupted or are blocked (see `sweep status`), 128+signal when stopped by a signal.
                """)
        @Argument(help: "Sweep spec (JSON).") var spec: String
        @Option(help: "Runs at a time (default: cores / threads-per-job).") var jobs: Int?
        @Option(help: "Threads per run.") var threadsPerJob = 1
        @Option(parsing: .upToNextOption, help: "Run only these run ids (see `sweep plan`).") var only: [String] = []
        @Flag(help: "Allow jobs × threads-per-job above the number of cores.") var oversubscribe = false

        func run() throws {
            let planStart = Date()
            let plan = try loadPlan(spec)
            try checkMemory(plan)
            let jobs = try resolveJobs(jobs, threadsPerJob: threadsPerJob, oversubscribe: oversubscribe)
            let options = try sweepErrors { () throws -> LocalExecutor.Options in
                var o = LocalExecutor.Options(jobs: jobs, threadsPerJob: threadsPerJob, only: only.isEmpty ? nil : only,
                                              executable: try currentExecutable())
                o.forwardSignals = ProcessInfo.processInfo.environment["SLURM_JOB_ID"] == nil
                _ = try LocalExecutor.select(o.only, from: plan)
                return o
            }
            for d in plan.dropped { print("dropped \(d.label): \(d.reason)") }
            print("sweep \(plan.directoryPath): \(options.only?.count ?? plan.runs.count) run(s), --jobs \(jobs) --threads-per-job \(threadsPerJob)")
            flushStdout()
            let planSeconds = Date().timeIntervalSince(planStart)
            SweepSignals.install()
            let executor = LocalExecutor(plan: plan, options: options) { line in
                print("[\(clock())] \(line)")
                flushStdout()
            }
            let r = try sweepErrors { try executor.run() }
            var parts = ["\(r.started.count) started", "\(r.finished.count) finished"]
            for (n, what) in [(r.diverged.count, "diverged"), (r.failed.count, "failed"), (r.interrupted.count, "interrupted"),
                              (r.blocked.count, "blocked"), (r.alreadyDone.count, "already done"), (r.elsewhere.count, "running elsewhere")] where n > 0 {
                parts.append("\(n) \(what)")
            }
            print("sweep done in \(formatDuration(r.wallS)): \(parts.joined(separator: ", ")); wrote \(plan.store.resultsCSV.path)")
            let overhead = planSeconds + r.sweepCPUS + r.childStartupS / Double(jobs)
            print(String(format: "orchestration: plan %.2f s + sweep CPU %.2f s + child start-up %.2f s over %d run(s) / %d jobs = %.1f s (%.2f%% of %.1f s wall)",
                         planSeconds, r.sweepCPUS, r.childStartupS, r.finished.count, jobs, overhead,
                         100 * overhead / max(r.wallS + planSeconds, 1e-9), r.wallS + planSeconds))
            if let s = r.stoppedBy { throw ExitCode(128 + s) }
            if !r.complete { throw ExitCode(4) }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each run's state: done, running, failed, diverged, interrupted or pending, with reasons.")
        @Argument(help: "Sweep spec (JSON).") var spec: String

        func run() throws {
            let plan = try loadPlan(spec)
            for line in plan.store.repairStaleRecords(plan) { print("repaired \(line)") }
            print(SweepTables.status(plan), terminator: "")
        }
    }

    struct Results: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The results table: one row per finished run or branch (the fitter's input).",
            discussion: """
                A spec with seeds adds a seed-mean row per seed group (kind = mean); with tune, the best \
                value of each point is marked (tuned = 1) and a best value at the edge of its tune grid \
                is flagged (tune_edge, and a warning line). See Configs/sweeps/README.md.
                """)
        @Argument(help: "Sweep spec (JSON).") var spec: String
        @Flag(help: "CSV with every column (as results.csv).") var csv = false
        @Flag(help: "One JSON object per row.") var jsonl = false

        func validate() throws {
            if csv && jsonl { throw ValidationError("give at most one of --csv and --jsonl") }
        }

        func run() throws {
            let plan = try loadPlan(spec)
            // A finished run whose summary.json cannot be read is missing from the table: say so.
            for (id, reason) in plan.store.unreadableSummaries(plan) {
                warn("warning: run \(id) is not in the table: \(plan.store.files(id).summary.path) is unreadable (\(reason)); `windtunnel sweep run` rebuilds it from the final checkpoint")
            }
            let rows = Sweep.Results.rows(plan)
            print(csv ? Sweep.Results.csv(rows) : jsonl ? Sweep.Results.jsonl(rows) : SweepTables.results(rows), terminator: "")
            // The table prints its edge warnings; CSV and JSONL stay machine-readable.
            if csv || jsonl {
                for w in Sweep.Results.edgeWarnings(rows) { warn(w) }
            }
        }
    }

    struct Slurm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an sbatch array script (one task per pending run) and optionally submit it.",
            discussion: "Branches whose stable run is pending go into a second array that starts after the first.")
        @Argument(help: "Sweep spec (JSON).") var spec: String
        @Flag(help: "Submit with sbatch and print the job ids.") var submit = false
        @Option(help: "Slurm partition.") var partition: String?
        @Option(help: "Time limit per task (Slurm syntax, e.g. 2:00:00).") var time: String?
        @Option(help: "CPUs per task = threads per run.") var cpusPerTask = 1

        func run() throws {
            guard cpusPerTask >= 1 else { throw CLIError("--cpus-per-task must be ≥ 1, got \(cpusPerTask)") }
            let plan = try loadPlan(spec)
            var options = SlurmScripts.Options(executable: try sweepErrors { try currentExecutable() },
                                               workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            options.partition = partition
            options.time = time
            options.cpusPerTask = cpusPerTask
            let batches = try sweepErrors { try SlurmScripts.write(plan: plan, options: options) }
            guard !batches.isEmpty else {
                print("nothing to submit: every run of \(plan.directoryPath) is finished, diverged or running")
                return
            }
            for b in batches {
                print("wrote \(b.script.path): \(b.runIDs.count) array task(s)\(b.afterPrevious ? ", after the first array" : "")")
            }
            guard submit else {
                print("submit with: sbatch \(batches[0].script.path)" + (batches.count > 1 ? " (then the second with --dependency=afterany:<job id>)" : ""))
                return
            }
            let ids = try sweepErrors { try SlurmScripts.submit(batches) }
            for (b, id) in zip(batches, ids) { print("submitted \(b.name): job \(id)") }
        }
    }
}

/// Runs that would not fit this machine's memory, refused before a probe or a child builds them
/// (`sweep slurm` leaves this to the nodes, whose memory may differ).
private func checkMemory(_ plan: SweepPlan) throws {
    let available = Double(ProcessInfo.processInfo.physicalMemory)
    var problems: [String] = []
    for run in plan.runs {
        do { try MemoryEstimate(run.config).check(run.config, availableBytes: available) } catch {
            problems.append("run \(run.id): \(error)")
        }
    }
    guard !problems.isEmpty else { return }
    let shown = problems.prefix(5).joined(separator: "\n  ") + (problems.count > 5 ? "\n  … and \(problems.count - 5) more" : "")
    throw CLIError("\(plan.specURL.path): \(problems.count) run(s) too large for this machine, nothing launched:\n  \(shown)")
}

private func loadPlan(_ path: String) throws -> SweepPlan {
    try sweepErrors { try SweepPlanner.plan(specAt: URL(fileURLWithPath: path)) }
}

/// Library errors become CLI user errors (exit 1, message on stderr); file errors read
/// `path: reason`.
private func sweepErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as SweepError { throw CLIError(e.description) } catch let e as ConfigError {
        throw CLIError(e.description)
    } catch let e as RunLockError {
        throw CLIError(e.description)
    } catch let e where FileErrors.describe(e) != nil {
        throw CLIError(FileErrors.message(e))
    }
}

private func warn(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

private func resolveJobs(_ jobs: Int?, threadsPerJob: Int, oversubscribe: Bool) throws -> Int {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    guard threadsPerJob >= 1 else { throw CLIError("--threads-per-job must be ≥ 1, got \(threadsPerJob)") }
    let n = jobs ?? max(1, cores / threadsPerJob)
    guard n >= 1 else { throw CLIError("--jobs must be ≥ 1, got \(n)") }
    if n * threadsPerJob > cores && !oversubscribe {
        throw CLIError("--jobs \(n) × --threads-per-job \(threadsPerJob) = \(n * threadsPerJob) threads on \(cores) core(s); lower them or pass --oversubscribe")
    }
    return n
}

/// This `windtunnel` binary (the sweep's children run its `train`).
private func currentExecutable() throws -> URL {
    if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        return URL(fileURLWithPath: resolved)
    }
    let arg0 = CommandLine.arguments[0]
    if arg0.contains("/") { return URL(fileURLWithPath: arg0).standardizedFileURL.resolvingSymlinksInPath() }
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(arg0)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    throw SweepError("cannot locate the windtunnel executable (\(arg0))")
}

private func clock() -> String {
    let f = DateFormatter()
    f.dateFormat = "HH:mm:ss"
    return f.string(from: Date())
}
