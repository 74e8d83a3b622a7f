import Foundation

/// Slurm batch scripts for a sweep's pending runs: one array task per run, each running
/// `windtunnel sweep run SPEC --only <id> --jobs 1 --threads-per-job M` (so locks, resume and
/// status work exactly as locally). Branches whose stable run is itself pending go into a second
/// array that starts after the first (`--dependency=afterany:<job>`; a branch whose stable run
/// failed then reports itself blocked instead of the whole array never starting).
public enum SlurmScripts {
    public struct Options: Sendable {
        public var partition: String?
        public var time: String?
        public var cpusPerTask = 1
        /// The `windtunnel` executable the tasks run (absolute).
        public var executable: URL
        /// The directory tasks run in (relative paths in the spec and configs resolve from it).
        public var workingDirectory: URL

        public init(executable: URL, workingDirectory: URL) {
            self.executable = executable
            self.workingDirectory = workingDirectory
        }
    }

    public struct Batch: Sendable {
        public var name: String
        public var script: URL
        public var runIDs: [String]
        /// Starts after the previous batch has ended.
        public var afterPrevious: Bool
    }

    /// The runs to submit: not finished, diverged or running.
    public static func pendingRuns(_ plan: SweepPlan) -> [PlannedRun] {
        plan.runs.filter { [.pending, .interrupted, .failed, .corrupt].contains(plan.store.state(of: $0, in: plan).kind) }
    }

    /// Writes the scripts to `<sweep>/slurm/` and returns them in submission order.
    public static func write(plan: SweepPlan, options: Options) throws -> [Batch] {
        let pending = pendingRuns(plan)
        let pendingIDs = Set(pending.map(\.id))
        let first = pending.filter { $0.dependsOn.map { !pendingIDs.contains($0) } ?? true }
        let second = pending.filter { $0.dependsOn.map { pendingIDs.contains($0) } ?? false }
        let dir = plan.store.slurmDirectory
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let name = plan.specURL.deletingPathExtension().lastPathComponent
        var batches: [Batch] = []
        for (runs, suffix) in [(first, "runs"), (second, "branches")] where !runs.isEmpty {
            let script = dir.appendingPathComponent("\(suffix).sbatch").standardizedFileURL
            let text = render(plan: plan, runs: runs, jobName: "wt-\(name)-\(suffix)", logPrefix: suffix, options: options)
            try Data(text.utf8).write(to: script, options: .atomic)
            chmod(script.path, 0o755)
            batches.append(Batch(name: suffix, script: script, runIDs: runs.map(\.id), afterPrevious: !batches.isEmpty))
        }
        return batches
    }

    static func render(plan: SweepPlan, runs: [PlannedRun], jobName: String, logPrefix: String, options: Options) -> String {
        let logs = absolute(plan.store.slurmDirectory, in: options.workingDirectory)
        let spec = absolute(plan.specURL, in: options.workingDirectory)
        var lines = [
            "#!/bin/bash",
            "#SBATCH --job-name=\(jobName)",
            "#SBATCH --array=0-\(runs.count - 1)",
            "#SBATCH --ntasks=1",
            "#SBATCH --cpus-per-task=\(options.cpusPerTask)",
            "#SBATCH --output=\(logs.path)/\(logPrefix)-%A_%a.out",
        ]
        if let p = options.partition { lines.append("#SBATCH --partition=\(p)") }
        if let t = options.time { lines.append("#SBATCH --time=\(t)") }
        lines += [
            "# Written by `windtunnel sweep slurm`: one array task per pending run of \(spec.path).",
            "# Each task is a one-run `sweep run`: it locks the run, resumes it if it was interrupted,",
            "# and records its status in runs/<id>/status.json like a local sweep.",
            "set -eu",
            "cd \(quote(options.workingDirectory.path))",
            "RUNS=(",
        ]
        lines += runs.map { "  \(quote($0.id))" }
        lines += [
            ")",
            "exec \(quote(options.executable.path)) sweep run \(quote(spec.path)) \\",
            "  --only \"${RUNS[$SLURM_ARRAY_TASK_ID]}\" --jobs 1 --threads-per-job \(options.cpusPerTask)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Submits the batches in order with `sbatch --parsable`; returns the job ids.
    public static func submit(_ batches: [Batch], sbatch: String = "sbatch") throws -> [String] {
        var ids: [String] = []
        for batch in batches {
            var args = ["--parsable"]
            if batch.afterPrevious, let previous = ids.last { args.append("--dependency=afterany:\(previous)") }
            args.append(batch.script.path)
            let out = try runTool(sbatch, args)
            guard let id = out.split(separator: ";").first.map({ String($0).trimmingCharacters(in: .whitespacesAndNewlines) }),
                  !id.isEmpty, id.allSatisfy(\.isNumber) else {
                throw SweepError("sbatch \(batch.script.path): unexpected output '\(out.trimmingCharacters(in: .whitespacesAndNewlines))'")
            }
            ids.append(id)
        }
        return ids
    }

    static func runTool(_ tool: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw SweepError("cannot run \(tool): \(error)") }
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let message = String(decoding: e, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw SweepError("\(tool) \(arguments.joined(separator: " ")) failed (exit \(p.terminationStatus)): \(message.isEmpty ? "no message" : message)")
        }
        return String(decoding: o, as: UTF8.self)
    }

    static func absolute(_ url: URL, in directory: URL) -> URL {
        url.path.hasPrefix("/") ? url.standardizedFileURL : directory.appendingPathComponent(url.path).standardizedFileURL
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
