import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Running the built `windtunnel` binary and checking the files it writes.
enum CLI {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `windtunnel` executable built next to the test bundle (`swift build --build-tests`).
    static func executable() throws -> URL {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [here.appendingPathComponent("windtunnel")]
            + ["release", "debug"].map { URL(fileURLWithPath: ".build/\($0)/windtunnel") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw Failure(description: "windtunnel executable not found next to the tests (run `swift build --build-tests` first)")
        }
        return found
    }

    /// Runs `windtunnel` with `arguments` and waits. Output goes through temporary files, so a
    /// chatty child can never block on a full pipe.
    static func run(_ arguments: [String]) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cli-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let p = Process()
        p.executableURL = try executable().standardizedFileURL.absoluteURL
        p.arguments = arguments
        p.standardOutput = out
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        try out.close()
        try err.close()
        return Result(status: p.terminationStatus, stdout: try String(contentsOf: outURL, encoding: .utf8),
                      stderr: try String(contentsOf: errURL, encoding: .utf8))
    }

    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Fixtures"))
    }

    /// A fresh directory; WINDTUNNEL_CLI_TEST_OUT keeps the files (SVG, PNG) for a look.
    static func outputDirectory(_ name: String) throws -> URL {
        let base: URL
        if let keep = ProcessInfo.processInfo.environment["WINDTUNNEL_CLI_TEST_OUT"], !keep.isEmpty {
            base = URL(fileURLWithPath: keep)
        } else {
            base = FileManager.default.temporaryDirectory.appendingPathComponent("cli-tests-\(UUID().uuidString)")
        }
        let dir = base.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func discard(_ dir: URL) {
        guard ProcessInfo.processInfo.environment["WINDTUNNEL_CLI_TEST_OUT"]?.isEmpty ?? true else { return }
        try? FileManager.default.removeItem(at: dir.deletingLastPathComponent())
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    // MARK: - SVG

    static func rsvgConvert() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let candidate = URL(fileURLWithPath: dir).appendingPathComponent("rsvg-convert")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Renders an SVG file to PNG next to it with rsvg-convert; fails (never skips) when the
    /// renderer is missing (Scripts/ensure-deps.sh --test installs it).
    static func renderPNG(_ svg: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let tool = rsvgConvert() else {
            Issue.record("rsvg-convert not found: run Scripts/ensure-deps.sh --test (installs librsvg2-bin)", sourceLocation: sourceLocation)
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
        #expect(bytes.count > 1000, "PNG of \(svg.lastPathComponent) is empty or tiny (\(bytes.count) bytes)", sourceLocation: sourceLocation)
        #expect(bytes.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "not a PNG", sourceLocation: sourceLocation)
    }

    /// Parses an SVG file, renders it, and counts its series by kind
    /// (line, scatter, highlight, band, hline, identity).
    static func chart(_ svg: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> Chart {
        let text = try String(contentsOf: svg, encoding: .utf8)
        let document = try XMLDocument(xmlString: text, options: [])
        try renderPNG(svg, sourceLocation: sourceLocation)
        return Chart(document: document, text: text)
    }

    struct Chart {
        let document: XMLDocument
        let text: String

        func elements(_ xpath: String) throws -> [XMLElement] {
            try document.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
        }

        func count(_ kind: String) throws -> Int {
            try elements("//*[@class='series'][@data-kind='\(kind)']").count
        }

        func seriesNames(_ kind: String) throws -> [String] {
            try elements("//*[@class='series'][@data-kind='\(kind)']").compactMap { e in
                e.attributes?.first { $0.name == "data-series" }?.stringValue
            }
        }

        var legendLabels: [String] {
            get throws {
                try elements("//*[@class='legend-entry']").compactMap { e in
                    e.attributes?.first { $0.name == "data-label" }?.stringValue
                }
            }
        }

        var panels: Int { get throws { try elements("//*[@class='panel']").count } }
    }
}
