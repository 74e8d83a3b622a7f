/// Test helpers for the targets that run programs: the built `windtunnel` binary (started and
/// polled, or run to completion) and the rsvg-convert round trip that checks charts render.
import Foundation
import Testing

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// A fresh temporary directory; remove it with `defer { try? FileManager.default.removeItem(at:) }`.
public func temporaryDirectory(_ label: String = "wt") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The `windtunnel` executable built next to the test bundle (`swift build --build-tests` builds it).
public func windtunnelExecutable() throws -> URL {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [here.appendingPathComponent("windtunnel")]
        + ["release", "debug"].map { URL(fileURLWithPath: ".build/\($0)/windtunnel") }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw TestFailure("windtunnel executable not found next to the tests (run `swift build --build-tests` first)")
    }
    return found.standardizedFileURL.absoluteURL
}

/// `windtunnel` started in the background. Output goes to files, never pipes, so a chatty child
/// cannot block on a full pipe and the caller can poll the run's files while it works.
public final class Windtunnel {
    public let process = Process()
    let out: URL, err: URL
    /// Where the output files live when the caller gave no directory (removed by `wait`).
    let scratch: URL?

    /// Output goes to `<directory>/<logName>.out|.err`, or to a scratch directory when
    /// `directory` is nil (the child then runs in the current directory).
    public init(_ arguments: [String], in directory: URL? = nil, logName: String = UUID().uuidString,
                environment: [String: String] = [:]) throws {
        scratch = directory == nil ? try temporaryDirectory("windtunnel-run") : nil
        let logs = directory ?? scratch!
        out = logs.appendingPathComponent("\(logName).out")
        err = logs.appendingPathComponent("\(logName).err")
        for log in [out, err] where !FileManager.default.createFile(atPath: log.path, contents: nil) {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log.path])
        }
        process.executableURL = try windtunnelExecutable()
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
    }

    public func wait(timeout: Double = 120) throws -> CommandResult {
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw TestFailure("windtunnel \(process.arguments ?? []) did not finish in \(timeout) s")
            }
            usleep(20_000)
        }
        return CommandResult(status: process.terminationStatus,
                             stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

/// Runs `windtunnel` with `arguments` (in `directory`, with extra `environment`) and waits.
@discardableResult
public func runWindtunnel(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
                          timeout: Double = 120) throws -> CommandResult {
    try Windtunnel(arguments, in: directory, environment: environment).wait(timeout: timeout)
}

/// rsvg-convert from PATH (or WINDTUNNEL_RSVG_CONVERT, which also lets one check that a missing
/// renderer fails the tests).
public func rsvgConvert() -> URL? {
    if let override = ProcessInfo.processInfo.environment["WINDTUNNEL_RSVG_CONVERT"] {
        return FileManager.default.isExecutableFile(atPath: override) ? URL(fileURLWithPath: override) : nil
    }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
        let candidate = URL(fileURLWithPath: dir).appendingPathComponent("rsvg-convert")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
}

/// Renders an SVG file to a PNG next to it with rsvg-convert and checks the PNG; fails (never
/// skips) when the renderer is missing (Scripts/ensure-deps.sh --test installs it).
public func renderPNG(_ svg: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
    guard let tool = rsvgConvert() else {
        Issue.record("rsvg-convert not found: run Scripts/ensure-deps.sh --test (installs librsvg2-bin)",
                     sourceLocation: sourceLocation)
        return
    }
    let png = svg.deletingPathExtension().appendingPathExtension("png")
    let p = Process()
    p.executableURL = tool
    p.arguments = ["-o", png.path, svg.path]
    let errors = Pipe()
    p.standardError = errors
    try p.run()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationStatus == 0, "rsvg-convert \(svg.lastPathComponent): \(message)", sourceLocation: sourceLocation)
    let bytes = (try? Data(contentsOf: png)) ?? Data()
    #expect(bytes.count > 1000, "PNG of \(svg.lastPathComponent) is empty or tiny (\(bytes.count) bytes)",
            sourceLocation: sourceLocation)
    #expect(bytes.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "not a PNG", sourceLocation: sourceLocation)
}
