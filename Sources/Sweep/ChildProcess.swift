import Foundation
import RunSchema

/// A `train` child: spawned in its own process group (so a terminal's Ctrl-C reaches only the
/// sweep, which forwards exactly one signal: `train` treats a second one as "exit now, no
/// checkpoint"), with default signal dispositions, stdin from /dev/null and stdout+stderr
/// appended to a log file. Its environment names this process (`RunLock.parentEnvironmentKey`),
/// so a child whose sweep died (even by SIGKILL) stops too instead of running on unwatched.
final class ChildProcess {
    let pid: pid_t
    let started = Date()
    private(set) var exit: Exit?

    enum Exit: Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    init(executable: String, arguments: [String], log: URL) throws {
        let fd = open(log.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SweepError("\(log.path): cannot open the run log (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, 1)
        posix_spawn_file_actions_adddup2(&actions, fd, 2)
        // Nothing else leaks into the child (lock files, a parent's pipes that signal our exit).
        addCloseFrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), mask = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, s) }
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let key = RunLock.parentEnvironmentKey
        var environment = ProcessInfo.processInfo.environment
        environment[key] = String(getpid())
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw SweepError("cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
    }

    /// Reaps the child if it has exited (non-blocking).
    @discardableResult
    func poll() -> Exit? {
        if exit != nil { return exit }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        guard r == pid else { return nil }
        let low = status & 0x7F
        exit = low == 0 ? .exited((status >> 8) & 0xFF) : .signaled(low)
        return exit
    }

    func signal(_ s: Int32) { if exit == nil { kill(pid, s) } }
}

func signalName(_ s: Int32) -> String {
    switch s {
    case SIGINT: return "SIGINT"
    case SIGTERM: return "SIGTERM"
    case SIGKILL: return "SIGKILL"
    case SIGSEGV: return "SIGSEGV"
    case SIGABRT: return "SIGABRT"
    case SIGBUS: return "SIGBUS"
    case SIGILL: return "SIGILL"
    case SIGTRAP: return "SIGTRAP"
    case SIGHUP: return "SIGHUP"
    default: return "signal \(s)"
    }
}

/// `posix_spawn_file_actions_addclosefrom_np` (glibc ≥ 2.34; Swift does not import it), else a
/// close action for every descriptor ≥ `lowest` open now (glibc ignores closes of closed ones).
func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    if let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") {
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, lowest)
        return
    }
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for fd in open.compactMap({ Int32($0) }).sorted() where fd >= lowest {
        posix_spawn_file_actions_addclose(&actions, fd)
    }
}
