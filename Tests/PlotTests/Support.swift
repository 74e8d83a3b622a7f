import CommandTestSupport
import Foundation
import Plot
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Shared helpers: temp dirs, the rsvg-convert round trip, SVG parsing.
enum Support {
    /// A fresh directory; set WINDTUNNEL_PLOT_TEST_OUT to keep the files (SVG, PNG) for a look.
    static func outputDirectory(_ name: String) throws -> URL {
        try CommandTestSupport.outputDirectory(name, keptBy: "WINDTUNNEL_PLOT_TEST_OUT")
    }

    static func discard(_ dir: URL) { discardOutputDirectory(dir, keptBy: "WINDTUNNEL_PLOT_TEST_OUT") }

    /// Parsed SVG plus the checks every rendered chart must pass.
    static func parse(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> XMLDocument {
        let document = try XMLDocument(xmlString: svg, options: [])
        #expect(nonFiniteWords(svg).isEmpty, "SVG contains \(nonFiniteWords(svg))", sourceLocation: sourceLocation)
        let root = try #require(document.rootElement(), sourceLocation: sourceLocation)
        #expect(root.name == "svg", sourceLocation: sourceLocation)
        #expect(attribute(root, "viewBox") != nil, sourceLocation: sourceLocation)
        #expect(attribute(root, "font-family") == "sans-serif", sourceLocation: sourceLocation)
        return document
    }

    /// "NaN", "nan", "inf", "-Infinity"... as whole words (so "information" doesn't count).
    static func nonFiniteWords(_ text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: "(?i)(?<![a-z])(nan|inf(inity)?)(?![a-z])")
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }

    static func elements(_ document: XMLNode, _ xpath: String) throws -> [XMLElement] {
        try document.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }

    /// Series of one kind (`line`, `scatter`, `highlight`, `band`, `hline`, `identity`).
    static func series(_ document: XMLDocument, kind: String) throws -> [XMLElement] {
        try elements(document, "//*[@class='series'][@data-kind='\(kind)']")
    }

    static func ticks(_ document: XMLDocument, axis: String, major: Bool = true) throws -> [XMLElement] {
        try elements(document, "//*[contains(@class,'\(axis)-axis')]/*[@class='tick \(major ? "major" : "minor")']")
    }

    static func tickLabels(_ document: XMLDocument, axis: String) throws -> [String] {
        try elements(document, "//*[contains(@class,'\(axis)-axis')]/*[@class='tick-label']").map { $0.stringValue ?? "" }
    }

    /// By scanning `attributes`: corelibs' `attribute(forName:)` returns nil inside a default
    /// namespace (xmlns="http://www.w3.org/2000/svg").
    static func attribute(_ element: XMLElement, _ name: String) -> String? {
        element.attributes?.first { $0.name == name }?.stringValue
    }

    /// Writes, parses and renders a chart in one go.
    @discardableResult
    static func check(
        _ chart: Chart, name: String, size: Size = .standard, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (XMLDocument, RenderedSVG) {
        let dir = try outputDirectory("charts")
        defer { discard(dir) }
        let file = dir.appendingPathComponent("\(name).svg")
        let rendered = try chart.write(to: file, size: size)
        #expect(try String(contentsOf: file, encoding: .utf8) == rendered.svg, sourceLocation: sourceLocation)
        let document = try parse(rendered.svg, sourceLocation: sourceLocation)
        try renderPNG(file, sourceLocation: sourceLocation)
        return (document, rendered)
    }

    /// Deterministic noise (no global RNG state in tests).
    struct Noise {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
    }
}

/// A Chinchilla-style loss surface for synthetic data (Hoffmann et al. 2022 fitted constants).
enum Synthetic {
    static func loss(n: Double, d: Double) -> Double {
        1.69 + 406.4 / pow(n, 0.34) + 410.7 / pow(d, 0.28)
    }

    /// IsoFLOP sweep: budgets × sizes, with the true curve as the "fit" and its minimum.
    static func isoFLOP(budgets: [Double] = [1e17, 3e17, 1e18, 3e18, 1e19]) -> [IsoFLOPCurve] {
        var noise = Support.Noise(state: 7)
        return budgets.map { c in
            let nStar = 0.6 * pow(c / 6, 0.5)
            let sizes = (-4...4).map { nStar * pow(10, Double($0) * 0.2) }
            let points = sizes.map { n in Point(n, loss(n: n, d: c / (6 * n)) + 0.01 * noise.next()) }
            let fit = Charts.sample(sizes.first!...sizes.last!, count: 80) { n in loss(n: n, d: c / (6 * n)) }
            let minimum = fit.min { $0.y < $1.y }
            return IsoFLOPCurve(budget: c, points: points, fit: fit, minimum: minimum)
        }
    }
}
