import Foundation

/// Who holds a run directory, written to a lock file created with O_CREAT|O_EXCL so exactly one
/// process gets it: `sweep run` holds `runs/<id>/lock` (with the `train` child it started), and
/// `train` itself holds `<run dir>/train.lock` (`RunFiles.lock`), so two processes never train
/// into one directory. A lock whose holder died (kill -9, a crash) is stale and taken over.
public struct LockOwner: Codable, Equatable, Sendable {
    public var pid: Int32
    public var host: String
    /// Wall-clock start of the hold (ISO 8601), for people.
    public var started: String
    /// The holder's start time in clock ticks since boot (/proc/<pid>/stat): tells a live holder
    /// from an unrelated process that reused its pid.
    public var processStart: UInt64?
    public var childPid: Int32?

    enum CodingKeys: String, CodingKey {
        case pid, host, started, processStart = "process_start", childPid = "child_pid"
    }

    static func current() -> LockOwner {
        let pid = getpid()
        return LockOwner(pid: pid, host: hostName(), started: isoNow(), processStart: processStartTicks(pid), childPid: nil)
    }

    /// Dead = on this host, and neither the holder nor its child is alive. A lock held from
    /// another host is never taken over automatically (delete it by hand if that host is gone).
    public var isStale: Bool {
        guard host == hostName() else { return false }
        let holderAlive = processAlive(pid) && (processStart == nil || processStartTicks(pid) == processStart)
        return !holderAlive && !(childPid.map(processAlive) ?? false)
    }

    public var summary: String { "pid \(pid) on \(host) since \(started)" }
}

public enum RunLock {
    /// Set by `sweep run` in its `train` children's environment to its own pid: a child whose
    /// parent is no longer that process stops at a checkpoint (the sweep died).
    public static let parentEnvironmentKey = "WINDTUNNEL_PARENT_PID"

    /// Takes the lock at `url`, or returns the live owner that holds it. A stale lock (its holder
    /// is dead) is taken over: renamed aside, checked to be the one read, removed, then retried.
    public static func acquire(_ url: URL) throws -> LockOwner? {
        let me = LockOwner.current()
        let data = try JSONEncoder().encode(me)
        for _ in 0..<5 {
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                guard written == data.count else {
                    unlink(url.path)
                    throw RunLockError("\(url.path): cannot write the run lock")
                }
                return nil
            }
            guard errno == EEXIST else {
                throw RunLockError("\(url.path): cannot create the run lock (\(String(cString: strerror(errno))))")
            }
            guard let owner = read(url) else {
                // Being written right now (or unreadable): treat as held.
                usleep(20_000)
                if read(url) == nil, let attrs = try? FileManager.default.attributesOfItem(atPath: url.path),
                   let modified = attrs[.modificationDate] as? Date, Date().timeIntervalSince(modified) > 10 {
                    breakLock(url, expected: nil)  // an empty lock left by a crash mid-write
                }
                continue
            }
            guard owner.isStale else { return owner }
            breakLock(url, expected: owner)
        }
        return read(url) ?? LockOwner(pid: 0, host: "?", started: "?", processStart: nil, childPid: nil)
    }

    /// Moves a stale lock aside; if what was moved is not the stale lock that was read (another
    /// process replaced it meanwhile), puts it back without overwriting.
    public static func breakLock(_ url: URL, expected: LockOwner?) {
        let aside = url.path + ".stale.\(getpid())"
        guard rename(url.path, aside) == 0 else { return }
        let moved = read(URL(fileURLWithPath: aside))
        if moved != expected { link(aside, url.path) }
        unlink(aside)
    }

    public static func read(_ url: URL) -> LockOwner? {
        guard let data = try? Data(contentsOf: url), !data.isEmpty else { return nil }
        return try? JSONDecoder().decode(LockOwner.self, from: data)
    }

    /// Records the child process in a lock this process holds (atomic replace).
    public static func setChild(_ pid: Int32?, in url: URL) {
        guard var owner = read(url), owner.pid == getpid() else { return }
        owner.childPid = pid
        if let data = try? JSONEncoder().encode(owner) { try? data.write(to: url, options: .atomic) }
    }

    public static func release(_ url: URL) {
        guard let owner = read(url), owner.pid == getpid(), owner.host == hostName() else { return }
        unlink(url.path)
    }
}

/// A lock file that cannot be created or written.
public struct RunLockError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

public func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, buffer.count - 1)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

public func processAlive(_ pid: Int32) -> Bool {
    guard pid > 0 else { return false }
    if kill(pid, 0) == 0 { return !isZombie(pid) }
    return errno == EPERM
}

private func isZombie(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

/// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); nil off Linux.
func processStartTicks(_ pid: Int32) -> UInt64? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // After the command name: field 3 (state) is fields[0], so field 22 is fields[19].
    return fields.count > 19 ? UInt64(fields[19]) : nil
}

public func isoNow() -> String {
    let f = ISO8601DateFormatter()
    return f.string(from: Date())
}
