import Foundation

/// A directory `name` for a test's output files (SVG, PNG...): under a new temporary directory,
/// or under the directory the environment variable `keep` names, to look at them (tests running
/// in parallel may share a name there: nothing is removed).
public func outputDirectory(_ name: String, keptBy keep: String) throws -> URL {
    let base: URL
    if let kept = ProcessInfo.processInfo.environment[keep], !kept.isEmpty {
        base = URL(fileURLWithPath: kept)
    } else {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("test-output-\(UUID().uuidString)")
    }
    let dir = base.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Removes a directory from `outputDirectory(_:keptBy:)` (with its temporary parent) unless
/// `keep` is set.
public func discardOutputDirectory(_ dir: URL, keptBy keep: String) {
    guard ProcessInfo.processInfo.environment[keep]?.isEmpty ?? true else { return }
    try? FileManager.default.removeItem(at: dir.deletingLastPathComponent())
}
