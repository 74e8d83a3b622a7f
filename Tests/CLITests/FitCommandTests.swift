import CommandTestSupport
import Foundation
import Testing

/// `windtunnel fit --out` and `windtunnel plot isoflop|frontier|fit`, run as a subprocess on
/// Porian et al.'s RW tuned isoFLOP table (12 budgets, 121 runs) and on synthetic curves.
@Suite struct FitPlotTests {
    static let porian = "porian_rw_tuned_short_const_standard_val"

    /// The fixture with the smallest budget cut to its 3 smallest models, so its lowest loss is
    /// at the largest remaining size: that budget is skipped (an edge minimum).
    static func porianWithEdgeBudget(in dir: URL) throws -> URL {
        let lines = try String(contentsOf: try CLI.fixture(porian), encoding: .utf8).split(whereSeparator: \.isNewline)  // CRLF
        var smallest = 0
        let kept = lines.filter { line in
            guard line.hasSuffix(",1.25e+16") else { return true }
            smallest += 1
            return smallest <= 3
        }
        let url = dir.appendingPathComponent("porian-edge.csv")
        try (kept.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func isoflopWritesJSONAndBothCharts() throws {
        let dir = try CLI.outputDirectory("isoflop")
        defer { CLI.discard(dir) }
        let input = try Self.porianWithEdgeBudget(in: dir).path
        let out = dir.appendingPathComponent("fit")
        let result = try runWindtunnel(["fit", "--law", "isoflop", "--input", input, "--out", out.path, "--bootstrap", "40"])
        #expect(result.status == 0, "\(result.stderr)")
        for file in ["fit.json", "isoflop.svg", "frontier.svg"] {
            #expect(result.stdout.contains("wrote \(out.appendingPathComponent(file).path)"), "\(file) not listed: \(result.stdout)")
        }

        let fit = try CLI.json(out.appendingPathComponent("fit.json"))
        let budgets = try #require(fit["budgets"] as? [[String: Any]])
        #expect(budgets.count == 12)
        let used = budgets.filter { $0["used"] as? Bool == true }
        #expect(used.count == 11, "the cut budget has an edge minimum; got \(used.count) used")

        // One marker series per budget; a parabola and a minimum per used budget, plus the
        // dotted line through the minima; one legend row per budget plus "fitted minimum".
        let isoflop = try CLI.chart(out.appendingPathComponent("isoflop.svg"))
        #expect(try isoflop.count("scatter") == budgets.count)
        #expect(try isoflop.count("highlight") == used.count)
        #expect(try isoflop.count("line") == used.count + 1)
        let labels = try isoflop.legendLabels
        #expect(labels.count == budgets.count + 1)
        #expect(labels.filter { $0.hasSuffix("(not used)") }.count == budgets.count - used.count)
        // Large models at small budgets reach loss 8.7 while the minima span 3.1-4.5: the y axis
        // is focused on the fitted windows, says so, and the renderer's notes come as one line.
        #expect(isoflop.text.contains("runs above the range)"))
        #expect(result.stderr.split(separator: "\n").filter { $0.contains("outside the axis range") }.count == 1, "\(result.stderr)")

        // N* and D*: a band, a fitted line and the per-budget points each, plus one interval
        // whisker per used budget and quantity.
        let frontier = try CLI.chart(out.appendingPathComponent("frontier.svg"))
        #expect(try frontier.count("band") == 2)
        #expect(try frontier.count("highlight") == 2)
        let whiskers = used.flatMap { b in ["N_opt", "D_opt"].map { ((b[$0] as? [String: Any])?["ci95"] as? [Any])?.count == 2 } }.filter { $0 }.count
        #expect(whiskers > 0)
        #expect(try frontier.count("line") == 2 + whiskers)
        let points = try #require((fit["N_frontier"] as? [String: Any])?["points"] as? [Any])
        #expect(points.count == used.count)
    }

    @Test func chinchillaWritesDiagnosticsFrontierAndSlices() throws {
        let dir = try CLI.outputDirectory("chinchilla")
        defer { CLI.discard(dir) }
        let input = try CLI.fixture(Self.porian).path
        let result = try runWindtunnel(["fit", "--law", "chinchilla", "--input", input, "--out", dir.path, "--bootstrap", "16",
                                  "--budgets", "1e20"])
        #expect(result.status == 0, "\(result.stderr)")
        for file in ["fit.json", "fit.svg", "frontier.svg", "isoflop.svg"] {
            #expect(result.stdout.contains("wrote \(dir.appendingPathComponent(file).path)"), "\(file) not listed: \(result.stdout)")
        }
        let fit = try CLI.json(dir.appendingPathComponent("fit.json"))
        #expect((fit["residuals"] as? [Any])?.count == 121)

        // Two panels; the 12 budgets are groups in both; reference lines y = x and zero.
        let diagnostics = try CLI.chart(dir.appendingPathComponent("fit.svg"))
        #expect(try diagnostics.panels == 2)
        #expect(try diagnostics.count("scatter") == 24)
        #expect(try diagnostics.count("identity") == 1)
        #expect(try diagnostics.count("hline") == 1)

        let frontier = try CLI.chart(dir.appendingPathComponent("frontier.svg"))
        #expect(try frontier.count("band") == 2)
        #expect(try frontier.count("line") == 2)
        #expect(try frontier.count("highlight") == 2)  // the lowest-loss run per budget
        #expect(try frontier.seriesNames("line").allSatisfy { $0.contains("∝ C^") })

        let slices = try CLI.chart(dir.appendingPathComponent("isoflop.svg"))
        #expect(try slices.count("scatter") == 12)
        #expect(try slices.count("line") >= 12)
    }

    @Test func plotSubcommandsDrawOneChartEach() throws {
        let dir = try CLI.outputDirectory("plot")
        defer { CLI.discard(dir) }
        let input = try CLI.fixture(Self.porian).path
        let cases: [([String], String, String)] = [
            (["plot", "isoflop"], "isoflop.svg", "scatter"),
            (["plot", "frontier", "--bootstrap", "20"], "frontier.svg", "band"),
            (["plot", "fit", "--law", "kaplan"], "kaplan-fit.svg", "identity"),
            (["plot", "fit", "--law", "power", "--x-col", "C"], "power-fit.svg", "identity"),
        ]
        for (arguments, file, kind) in cases {
            let out = dir.appendingPathComponent(file)
            let result = try runWindtunnel(arguments + ["--input", input, "--out", out.path, "--title", "Custom title"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.contains("wrote \(out.path)"))
            let chart = try CLI.chart(out)
            #expect(try chart.count(kind) >= 1, "\(file)")
            #expect(chart.text.contains("Custom title"), "\(file)")
        }
    }

    @Test func envelopeFromLongCurvesCSV() throws {
        let dir = try CLI.outputDirectory("envelope")
        defer { CLI.discard(dir) }
        let csv = dir.appendingPathComponent("curves.csv")
        try Synthetic.curvesCSV().write(to: csv, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("fit")
        let result = try runWindtunnel(["fit", "--law", "envelope", "--input", csv.path, "--out", out.path, "--bootstrap", "20"])
        #expect(result.status == 0, "\(result.stderr)")
        let frontier = try CLI.chart(out.appendingPathComponent("frontier.svg"))
        #expect(try frontier.count("band") == 2)
        #expect(try frontier.count("scatter") == 2)  // envelope points as small markers
        let envelope = try CLI.chart(out.appendingPathComponent("envelope.svg"))
        #expect(try envelope.count("line") == Synthetic.sizes.count + 1)  // each run + the envelope
    }

    @Test func missingInputIsOneLineUserError() throws {
        let dir = try CLI.outputDirectory("missing")
        defer { CLI.discard(dir) }
        let missing = dir.appendingPathComponent("no-such.csv").path
        let out = dir.appendingPathComponent("fit")
        for arguments in [["fit", "--law", "isoflop", "--input", missing, "--out", out.path],
                          ["plot", "frontier", "--input", missing, "--out", out.appendingPathComponent("f.svg").path]] {
            let result = try runWindtunnel(arguments)
            #expect(result.status == 1, "\(arguments)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(lines.first?.contains(missing) == true && lines.first?.contains("no such file") == true, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: out.path), "nothing is written when the input is missing")
    }

    @Test(arguments: [
        ["fit", "--law", "parabola", "--input", "x.csv"],
        ["plot", "isoflop", "--law", "envelope", "--input", "x.csv", "--out", "x.svg"],
        ["plot", "fit", "--law", "isoflop", "--input", "x.csv", "--out", "x.svg"],
        ["plot", "frontier", "--input", "x.csv"],  // no --out
    ])
    func usageErrorsExitTwo(_ arguments: [String]) throws {
        let result = try runWindtunnel(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }
}

/// Loss curves of a Chinchilla-like law (Hoffmann et al.'s constants) for five sizes trained
/// for 20× their parameters in tokens: the envelope's winners move up in size with compute.
enum Synthetic {
    static let sizes: [Double] = [2e6, 4e6, 8e6, 16e6, 32e6]

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
}
