import Foundation
import RunSchema

/// What the sweep reads and writes in its directory (layout: `SweepFiles`): per-run records,
/// summaries, and where each run stands.
extension SweepFiles {
    public func record(_ id: String) -> RunRecord? {
        (try? Data(contentsOf: statusFile(id))).flatMap { try? JSONDecoder().decode(RunRecord.self, from: $0) }
    }

    public func write(_ record: RunRecord, for id: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(record).write(to: statusFile(id), options: .atomic)
    }

    public func summary(_ id: String) -> RunSummary? { try? RunSummary.read(files(id).summary) }

    /// The runs of `plan` whose summary.json exists but cannot be read, with the reason.
    public func unreadableSummaries(_ plan: SweepPlan) -> [(id: String, reason: String)] {
        plan.runs.compactMap { run in
            if case .unreadable(let reason) = files(run.id).summaryState { return (run.id, reason) }
            return nil
        }
    }

    /// Repairs what a sweep process that died (kill -9, a crash, a lost node) left behind: a
    /// status.json still saying `running`, and its lock. Only records of this host whose lock is
    /// gone or stale are touched; the new status comes from the run's files. Returns one line
    /// per repaired run.
    @discardableResult
    public func repairStaleRecords(_ plan: SweepPlan) -> [String] {
        var repaired: [String] = []
        for run in plan.runs {
            let id = run.id
            let owner = RunLock.read(lockFile(id))
            if let owner, !owner.isStale { continue }
            if owner != nil { RunLock.breakLock(lockFile(id), expected: owner) }
            guard var record = record(id), record.status == .running, record.host == hostName() else { continue }
            let was = "its sweep process (pid \(record.pid)) died"
            switch files(id).summaryState {
            case .readable(let s):
                record.status = RunRecord.Status(rawValue: s.status.rawValue) ?? .failed
                record.reason = s.reason
            case .unreadable(let reason):
                record.status = .interrupted
                record.reason = "\(was); summary.json unreadable (\(reason)), rerun rebuilds it"
            case .absent:
                record.status = .interrupted
                record.reason = "\(was); rerun resumes from the last checkpoint"
            }
            record.endedAt = record.endedAt ?? isoNow()
            try? write(record, for: id)
            repaired.append("\(id): status was running but \(was); now \(record.status.rawValue)")
        }
        return repaired
    }

    /// Run directories on disk that the plan does not name (left alone; `status` mentions them).
    public func orphans(of plan: SweepPlan) -> [String] {
        let ids = Set(plan.runs.map(\.id))
        return (runIDs() ?? []).filter { !ids.contains($0) }
    }

    /// Where a run stands, from its files (summary.json, status.json, lock, checkpoint).
    public func state(of run: PlannedRun, in plan: SweepPlan? = nil) -> RunState {
        let id = run.id
        let summaryState = files(id).summaryState
        if case .unreadable(let reason) = summaryState {
            return RunState(.corrupt, "\(files(id).summary.path): unreadable (\(reason)); `sweep run` rebuilds it from the final checkpoint")
        }
        if let s = summaryState.summary {
            switch s.status {
            case .finished: return RunState(.done, "val loss \(s.finalValLoss.map { String(format: "%.4f", $0) } ?? "n/a") after \(s.steps) steps")
            case .diverged: return RunState(.diverged, s.reason ?? "diverged")
            case .failed: return RunState(.failed, s.reason ?? "failed")
            }
        }
        if let owner = RunLock.read(lockFile(id)), !owner.isStale {
            return RunState(.running, owner.summary)
        }
        let record = record(id)
        let progress = lastLoggedStep(id).map { "; last logged step \($0) of \(run.steps)" } ?? ""
        switch record?.status {
        case .failed?: return RunState(.failed, (record?.reason ?? "failed") + progress)
        case .interrupted?: return RunState(.interrupted, (record?.reason ?? "interrupted") + progress)
        case .running?: return RunState(.interrupted, "its sweep process (\(record?.host ?? "?") pid \(record?.pid ?? 0)) is gone" + progress)
        default: break
        }
        if files(id).hasCheckpoint || FileManager.default.fileExists(atPath: files(id).metrics.path) {
            return RunState(.interrupted, "stopped without a record" + progress)
        }
        if let dep = run.dependsOn {
            let depState = plan?.run(dep).map { state(of: $0) }
            if depState?.kind != .done {
                return RunState(.pending, "waits for its stable run \(dep)" + (depState.map { " (\($0.kind.rawValue))" } ?? ""))
            }
        }
        return RunState(.pending, nil)
    }

    func lastLoggedStep(_ id: String) -> Int? { (try? MetricsFile.read(files(id).metrics))?.lastStep }
}

public struct RunState: Equatable, Sendable {
    /// `corrupt`: summary.json is there but unreadable (never counted as done or as pending).
    public enum Kind: String, Sendable, CaseIterable { case done, running, failed, diverged, interrupted, corrupt, pending }
    public var kind: Kind
    public var reason: String?
    public init(_ kind: Kind, _ reason: String?) { self.kind = kind; self.reason = reason }
}

/// `runs/<id>/status.json`: what the sweep saw of a run's last attempt (written atomically).
public struct RunRecord: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable { case running, finished, diverged, failed, interrupted }
    public var status: Status
    public var reason: String?
    public var exitCode: Int32?
    public var signal: Int32?
    public var host: String
    public var pid: Int32
    public var childPid: Int32?
    public var startedAt: String
    public var endedAt: String?
    public var attempts: Int
    /// Wall time of the child process (spawn to exit), seconds.
    public var childWallS: Double?

    enum CodingKeys: String, CodingKey {
        case status, reason, exitCode = "exit_code", signal, host, pid, childPid = "child_pid"
        case startedAt = "started_at", endedAt = "ended_at", attempts, childWallS = "child_wall_s"
    }
}
