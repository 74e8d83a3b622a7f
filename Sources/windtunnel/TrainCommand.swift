import ArgumentParser
import Foundation
import NN
import RunSchema
import Tensor
import Trainer

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a GPT from a JSON config.",
        discussion: """
            Writes config.json, metrics.jsonl, checkpoints and (last) summary.json into the run \
            directory. Exit status: 0 finished, 1 bad input, 3 diverged (summary.json records it), \
            128+signal when stopped by SIGINT/SIGTERM/SIGHUP (a checkpoint is saved; --resume continues).
            """
    )

    @Argument(help: "Train config (JSON).") var config: String
    @Option(name: .customLong("set"), help: "Override a config field, e.g. --set model.d_model=256 (repeatable).")
    var overrides: [String] = []
    @Option(help: "Run directory (default: runs/<config name>).") var out: String?
    @Flag(help: "Continue the run in --out from its checkpoint.") var resume = false
    @Option(help: "Stop after this many steps with a checkpoint (resume later with --resume).")
    var stopAtStep: Int?
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if let stopAtStep, stopAtStep < 1 { throw ValidationError("--stop-at-step must be ≥ 1, got \(stopAtStep)") }
    }

    func run() throws {
        try runtime.apply()
        let url = URL(fileURLWithPath: config)
        let cfg: TrainConfig
        do { cfg = try TrainConfig.load(url, overrides: overrides) } catch let e as ConfigError { throw CLIError(e.description) }
        let dir = URL(fileURLWithPath: out ?? "runs/" + url.deletingPathExtension().lastPathComponent)
        if resume, case .readable(let s) = RunFiles(dir).summaryState {
            print("\(dir.path) already ended (summary.json: \(s.status.rawValue)); nothing to do")
            return
        }
        let progress = ProgressPrinter()
        let run: TrainingRun
        do { run = try TrainingRun(config: cfg, directory: dir, resume: resume, observer: progress) } catch let e as ConfigError {
            throw CLIError("\(url.path): \(e)")
        } catch {
            throw CLIError(FileErrors.message(error))
        }
        run.stopAtStep = stopAtStep
        installStopHandlers()
        watchParent()
        let outcome: TrainingRun.Outcome
        do { outcome = try run.run() } catch { throw CLIError(FileErrors.message(error)) }
        progress.finish(run, outcome)
        switch outcome {
        case .finished, .stopped: return
        case .diverged: throw ExitCode(3)
        case .interrupted: throw ExitCode(128 + Int32(TrainingRun.stopRequested))
        }
    }
}

/// First SIGINT/SIGTERM/SIGHUP (a closed terminal or ssh session is a stop like any other): finish
/// the current step, checkpoint, stop. A second one more than two seconds later exits at once (a
/// terminal and a process-group kill often deliver the same stop twice within milliseconds; that
/// must not lose the checkpoint).
func installStopHandlers() {
    var unblock = sigset_t()
    sigemptyset(&unblock)
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        sigaddset(&unblock, sig)
        signal(sig) { s in
            let now = time(nil)  // async-signal-safe
            if TrainingRun.stopRequested != 0 {
                if now - firstStopTime >= 2 { _exit(128 + s) }
                return
            }
            firstStopTime = now
            TrainingRun.stopRequested = s
        }
    }
    // A parent (a sweep, a job script) may have left these blocked; a blocked stop would be lost.
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
}
nonisolated(unsafe) private var firstStopTime: time_t = 0

/// A `train` started by `sweep run` (which names itself in WINDTUNNEL_PARENT_PID) stops like on
/// SIGHUP when that sweep dies, even by SIGKILL: it is then reparented, which a thread polling
/// getppid() notices within half a second. The sweep puts its children in their own process
/// group, so nothing else would tell them.
func watchParent() {
    guard let text = ProcessInfo.processInfo.environment[RunLock.parentEnvironmentKey], let parent = pid_t(text) else { return }
    let thread = Thread {
        while getppid() == parent { usleep(500_000) }
        if TrainingRun.stopRequested == 0 { TrainingRun.stopRequested = SIGHUP }
    }
    thread.start()
}

/// Progress on a terminal (one updating line), plain log lines otherwise.
final class ProgressPrinter: TrainingObserver {
    let tty = isatty(STDOUT_FILENO) != 0
    var total = 0

    func started(_ run: TrainingRun) {
        total = run.totalSteps
        let a = run.accounting
        print("run \(run.files.directory.path): \(run.totalSteps) steps × \(run.tokensPerStep) tokens, "
              + "\(formatCount(Double(a.totalParams))) params (\(formatCount(Double(a.nonEmbeddingParams))) non-embedding"
              + (a.activeParams != a.totalParams ? ", \(formatCount(Double(a.activeParams))) active" : "") + "), "
              + "\(formatCount(run.flopsPerToken)) FLOPs/token, \(Threads.count) thread(s)"
              + (run.peakGFLOPs.map { ", FMA peak \(fmt($0)) GFLOP/s" } ?? "")
              + (run.step > 0 ? "; resuming at step \(run.step)" : ""))
        flushStdout()
    }

    func logged(_ r: StepRecord, of run: TrainingRun) {
        let eta = r.tokensPerS > 0 ? Double(total - r.step) * Double(run.tokensPerStep) / r.tokensPerS : 0
        var line = "step \(r.step)/\(total) | loss \(String(format: "%.4f", r.loss))"
        if let v = r.valLoss { line += " | val \(String(format: "%.4f", v))" }
        line += " | lr \(String(format: "%.2e", r.lr)) | \(formatCount(r.tokensPerS)) tok/s"
            + (r.mfu.map { " | MFU \(String(format: "%.1f", $0 * 100))%" } ?? "") + " | ETA \(formatDuration(eta))"
        if tty {
            print("\r\u{1B}[2K" + line, terminator: r.valLoss != nil ? "\n" : "")
        } else {
            print(line)
        }
        flushStdout()
    }

    func message(_ text: String) {
        print((tty ? "\n" : "") + text)
        flushStdout()
    }

    func finish(_ run: TrainingRun, _ outcome: TrainingRun.Outcome) {
        guard outcome == .finished, let s = try? RunSummary.read(run.files.summary) else { return }
        print((tty ? "\n" : "") + "finished: val loss \(s.finalValLoss.map { String(format: "%.4f", $0) } ?? "n/a")"
              + " (best \(s.bestValLoss.map { String(format: "%.4f", $0) } ?? "n/a")) after \(s.steps) steps in "
              + "\(formatDuration(s.wallTimeS)), \(formatCount(s.tokensPerS)) tokens/s"
              + (s.mfu.map { ", MFU \(String(format: "%.1f", $0 * 100))%" } ?? ""))
    }
}

