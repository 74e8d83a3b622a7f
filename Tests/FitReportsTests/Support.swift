import CommandTestSupport
import FitReports
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Inputs, output directories and the SVG checks of the fit-report tests.
enum Support {
    /// A published table from Tests/ScalingLawsTests/Fixtures, where the tables and their sources
    /// (README.md) live.
    static func published(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ScalingLawsTests/Fixtures/\(name).csv")
    }

    static let porian = published("porian_rw_tuned_short_const_standard_val")

    /// Fits `law` on `input` with the request's other options set by `configure`.
    static func report(_ law: FitLaw, input: URL, _ configure: (inout FitRequest) -> Void = { _ in }) throws -> FittedReport {
        var request = FitRequest(law: law, input: input.path)
        configure(&request)
        return try FittedReport(request)
    }

    /// A fresh directory; set WINDTUNNEL_FIT_TEST_OUT to keep the files (SVG, PNG) for a look.
    static func outputDirectory(_ name: String) throws -> URL {
        try CommandTestSupport.outputDirectory(name, keptBy: "WINDTUNNEL_FIT_TEST_OUT")
    }

    static func discard(_ dir: URL) { discardOutputDirectory(dir, keptBy: "WINDTUNNEL_FIT_TEST_OUT") }

    static func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func json(_ url: URL) throws -> [String: Any] { try json(Data(contentsOf: url)) }

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

/// Synthetic inputs written as CSV files: Chinchilla-like loss curves (Hoffmann et al.'s
/// constants), an MoE table and loss curves under three LR schedules.
enum Synthetic {
    static let sizes: [Double] = [2e6, 4e6, 8e6, 16e6, 32e6]

    /// Five sizes trained for 20× their parameters in tokens: the envelope's winners move up in
    /// size with compute.
    static func curvesCSV() -> String {
        var lines = ["run_id,step,tokens,flops,lr,loss,N"]
        for n in sizes {
            for step in 1...40 {
                let d = 20 * n * Double(step) / 40
                let loss = 1.69 + 406.4 / pow(n, 0.34) + 410.7 / pow(d, 0.28)
                lines.append("n\(Int(n)),\(step),\(d),\(6 * n * d),0.001,\(loss),\(n)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Dense and 4/16-expert models of three active sizes at two token counts; more experts
    /// lower the loss by a log factor (plus a little deterministic noise).
    static func moeCSV() -> String {
        var lines = ["run_id,N,N_active,D,C,loss,experts"]
        var k = 0
        for n in [2e6, 8e6, 32e6] {
            for e in [1.0, 4, 16] {
                for d in [2e8, 8e8] {
                    let total = n * (1 + 0.6 * (e - 1))
                    let loss = 1.7 + 400 / pow(n, 0.34) * (1 - 0.05 * log(e)) + 410 / pow(d, 0.28) + 0.003 * sin(Double(k))
                    lines.append("m\(k),\(total),\(n),\(d),\(6 * n * d),\(loss),\(Int(e))")
                    k += 1
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// 100 steps under a constant, a cosine and a WSD schedule; the loss falls with the summed
    /// learning rate and drops further as it decays.
    static func scheduleCSV() -> String {
        var lines = ["run_id,step,flops,lr,loss,schedule"]
        let steps = 100.0
        for (id, schedule) in [("r-const", "const"), ("r-cos", "cosine"), ("r-wsd", "wsd")] {
            var area = 0.0
            for step in 1...Int(steps) {
                let t = Double(step)
                let lr: Double
                switch schedule {
                case "const": lr = 1e-3
                case "cosine": lr = 1e-4 + 0.5 * (1e-3 - 1e-4) * (1 + cos(Double.pi * t / steps))
                default: lr = t < 0.8 * steps ? 1e-3 : 1e-3 * (steps - t) / (0.2 * steps) + 1e-5
                }
                area += lr
                let loss = 2 + 3 * pow(1 + 200 * area, -0.5) - 20 * (1e-3 - lr) * (t / steps) + 0.002 * sin(t)
                lines.append("\(id),\(step),\(t * 1e12),\(lr),\(loss),\(schedule)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func write(_ text: String, to dir: URL, name: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
