import CommandTestSupport
import Foundation
import Sweep
import Testing
import RunSchema

/// Real Slurm: brings up a single-node cluster (Scripts/local-slurm/start.sh installs Debian's
/// slurm-wlm when missing), submits a 4-run sweep with `sweep slurm --submit`, waits for it, and
/// stops the cluster. Needs root (it installs packages and starts daemons); CI runs `make test`
/// as root. Set WINDTUNNEL_SKIP_SLURM=1 to skip it on a workstation.
@Suite struct SlurmTests {
    static let enabled = getuid() == 0 && ProcessInfo.processInfo.environment["WINDTUNNEL_SKIP_SLURM"] != "1"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(.enabled(if: enabled, "needs root to install and start a local Slurm (or WINDTUNNEL_SKIP_SLURM=1 is set): skipped"),
          .timeLimit(.minutes(10)))
    func fourRunSweepRunsAsASlurmArray() throws {
        let scripts = Self.repository.appendingPathComponent("Scripts/local-slurm")
        let environment = ["LOCAL_SLURM_DIR": "/var/spool/windtunnel-local-slurm"]
        let start = try shell(scripts.appendingPathComponent("start.sh").path, environment: environment, timeout: 480)
        defer { _ = try? shell(scripts.appendingPathComponent("stop.sh").path, environment: environment, timeout: 120) }
        try #require(start.status == 0, "local Slurm did not start:\n\(start.output)")

        let dir = try temporaryDirectory("slurm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try makeSyntheticDataset(in: dir)
        let spec = try writeSpec("""
            { "base": \(tinyBase(dataDir: data, steps: 40)), "out_dir": "\(dir.path)/sweep",
              "grid": { "axes": { "seed": [1, 2], "optim.lr": [1e-3, 3e-3] } } }
            """, in: dir)
        let plan = try SweepPlanner.plan(specAt: spec)
        #expect(plan.runs.count == 4)

        let submit = try runWindtunnel(["sweep", "slurm", spec.path, "--submit", "--cpus-per-task", "1"], in: dir)
        try #require(submit.status == 0, "\(submit.stdout)\n\(submit.stderr)")
        let job = try #require(submit.stdout.split(separator: "\n").first { $0.hasPrefix("submitted runs: job ") }?.split(separator: " ").last)
        let script = try String(contentsOf: plan.store.slurmDirectory.appendingPathComponent("runs.sbatch"), encoding: .utf8)
        #expect(script.contains("#SBATCH --array=0-3") && script.contains("--only \"${RUNS[$SLURM_ARRAY_TASK_ID]}\" --jobs 1 --threads-per-job 1"))

        let finished = waitUntil(timeout: 240) {
            plan.runs.allSatisfy { plan.store.summary($0.id) != nil }
                && ((try? shell("squeue", ["-h", "-j", String(job)], timeout: 10).output) ?? "x").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: plan.store.slurmDirectory.path)) ?? []
        let logText = logs.filter { $0.hasSuffix(".out") }.compactMap {
            try? String(contentsOf: plan.store.slurmDirectory.appendingPathComponent($0), encoding: .utf8)
        }.joined(separator: "\n---\n")
        try #require(finished, "the Slurm job did not finish in time; task logs:\n\(logText)")
        for run in plan.runs {
            #expect(plan.store.summary(run.id)?.status == .finished, "\(run.id)\n\(logText)")
            #expect(plan.store.record(run.id)?.status == .finished)
            #expect(plan.store.state(of: run).kind == .done)
        }
        #expect(logs.filter { $0.hasPrefix("runs-\(job)_") && $0.hasSuffix(".out") }.count == 4, "\(logs)")
        let csv = try String(contentsOf: plan.store.resultsCSV, encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 5, "\(csv)")
        // Nothing is left to submit.
        let again = try runWindtunnel(["sweep", "slurm", spec.path], in: dir)
        #expect(again.status == 0 && again.stdout.contains("nothing to submit"), "\(again.stdout)")
    }
}

struct ShellResult {
    var status: Int32
    var output: String
}

/// Runs a command (stdout and stderr together) with a timeout. Spawned directly rather than with
/// Foundation's Process, which learns of a child's exit through a descriptor the child inherits:
/// daemons started by the command would keep it open and the command would never seem to end.
func shell(_ command: String, _ arguments: [String] = [], environment: [String: String] = [:], timeout: Double) throws -> ShellResult {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("shell-\(UUID().uuidString).log")
    defer { try? FileManager.default.removeItem(at: log) }
    let fd = open(log.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw TestFailure("cannot create \(log.path)") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, fd, 1)
    posix_spawn_file_actions_adddup2(&actions, fd, 2)
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    if let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") {
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigmask(&attributes, &mask)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
    let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
    let argv: [UnsafeMutablePointer<CChar>?] = (["/usr/bin/env", command] + arguments).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, argv, envp)
    close(fd)
    guard rc == 0 else { throw TestFailure("cannot run \(command): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    let deadline = Date().addingTimeInterval(timeout)
    while waitpid(pid, &status, WNOHANG) == 0 {
        if Date() > deadline {
            kill(pid, SIGTERM)
            waitpid(pid, &status, 0)
            return ShellResult(status: -1, output: "timed out after \(timeout) s\n" + ((try? String(contentsOf: log, encoding: .utf8)) ?? ""))
        }
        usleep(50_000)
    }
    let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return ShellResult(status: code, output: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
}
