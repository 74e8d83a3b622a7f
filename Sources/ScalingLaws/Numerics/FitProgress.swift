import Foundation

/// Progress lines for long fits (a 100k-row Chinchilla table with a bootstrap takes a minute or
/// more). The CLI installs a sink (stderr); library use and tests have none, so nothing is
/// printed. A fit that ends within `quietSeconds` prints nothing at all; after that, one line per
/// stage start and end, and at most one per `intervalSeconds` while a stage counts its work.
public final class FitProgress: @unchecked Sendable {
    public static let shared = FitProgress()

    private let lock = NSLock()
    private var sink: (@Sendable (String) -> Void)?
    private var quietSeconds = 5.0, intervalSeconds = 10.0
    private var started = Date(), lastLine = Date.distantPast

    /// Installs the sink (nil: silent) and restarts the clock.
    public func configure(sink: (@Sendable (String) -> Void)?, quietSeconds: Double = 5, intervalSeconds: Double = 10) {
        lock.lock(); defer { lock.unlock() }
        self.sink = sink
        self.quietSeconds = quietSeconds
        self.intervalSeconds = intervalSeconds
        started = Date()
        lastLine = .distantPast
    }

    /// A stage of work that counts its units (fits may run concurrently, each with its own).
    final class Stage: @unchecked Sendable {
        let name: String, total: Int
        var done = 0
        init(name: String, total: Int) { self.name = name; self.total = total }
    }

    /// A stage of `total` units begins (e.g. "bootstrap refits", 1000; 0 = not counted).
    /// `announce` prints it even inside the quiet period, for a stage known to be long.
    @discardableResult
    func begin(_ name: String, total: Int, announce: Bool = false) -> Stage {
        let stage = Stage(name: name, total: total)
        lock.lock(); defer { lock.unlock() }
        emit(stage, force: true, announce: announce)
        return stage
    }

    /// One unit of `stage` is done (any thread).
    func advance(_ stage: Stage) {
        lock.lock(); defer { lock.unlock() }
        stage.done += 1
        emit(stage, force: stage.done == stage.total, announce: false)
    }

    /// Caller holds the lock.
    private func emit(_ stage: Stage, force: Bool, announce: Bool) {
        guard let sink else { return }
        let now = Date(), elapsed = now.timeIntervalSince(started)
        guard announce || elapsed >= quietSeconds, force || now.timeIntervalSince(lastLine) >= intervalSeconds else { return }
        lastLine = now
        let count = stage.total > 0 ? " \(stage.done)/\(stage.total)" : ""
        sink("fit: \(stage.name)\(count) (\(Int(elapsed.rounded())) s)")
    }
}
