import CommandTestSupport
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Running the built `windtunnel` binary and checking the files it writes.
enum CLI {
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
