import FitReports
import Foundation
import Plot
import ScalingLaws
import Testing

/// Every law's report and charts, built in-process: Porian et al.'s RW tuned isoFLOP table
/// (12 budgets, 121 runs) and synthetic curves, MoE and schedule tables.
@Suite struct FitChartTests {
    /// The Porian table with the smallest budget cut to its 3 smallest models, so its lowest loss
    /// is at the largest remaining size: that budget is skipped (an edge minimum).
    static func porianWithEdgeBudget(in dir: URL) throws -> URL {
        let lines = try String(contentsOf: Support.porian, encoding: .utf8).split(whereSeparator: \.isNewline)  // CRLF
        var smallest = 0
        let kept = lines.filter { line in
            guard line.hasSuffix(",1.25e+16") else { return true }
            smallest += 1
            return smallest <= 3
        }
        return try Synthetic.write(kept.joined(separator: "\n") + "\n", to: dir, name: "porian-edge.csv")
    }

    @Test func isoflopWritesJSONAndBothCharts() throws {
        let dir = try Support.outputDirectory("isoflop")
        defer { Support.discard(dir) }
        let report = try Support.report(.isoflop, input: try Self.porianWithEdgeBudget(in: dir)) { $0.bootstrap = 40 }
        let out = dir.appendingPathComponent("fit")
        let outputs = try report.writeOutputs(to: out.path)
        #expect(outputs.written == ["fit.json", "isoflop.svg", "frontier.svg"].map { out.appendingPathComponent($0) })
        #expect(outputs.failures.isEmpty)

        let fit = try Support.json(out.appendingPathComponent("fit.json"))
        #expect(try Support.json(try report.json()) as NSDictionary == fit as NSDictionary)
        let budgets = try #require(fit["budgets"] as? [[String: Any]])
        #expect(budgets.count == 12)
        let used = budgets.filter { $0["used"] as? Bool == true }
        #expect(used.count == 11, "the cut budget has an edge minimum; got \(used.count) used")

        // One marker series per budget; a parabola and a minimum per used budget, plus the
        // dotted line through the minima; one legend row per budget plus "fitted minimum".
        let isoflop = try Support.chart(out.appendingPathComponent("isoflop.svg"))
        #expect(try isoflop.count("scatter") == budgets.count)
        #expect(try isoflop.count("highlight") == used.count)
        #expect(try isoflop.count("line") == used.count + 1)
        let labels = try isoflop.legendLabels
        #expect(labels.count == budgets.count + 1)
        #expect(labels.filter { $0.hasSuffix("(not used)") }.count == budgets.count - used.count)
        // Large models at small budgets reach loss 8.7 while the minima span 3.1-4.5: the y axis
        // is focused on the fitted windows, says so, and the renderer's notes come as one line.
        #expect(isoflop.text.contains("runs above the range)"))
        #expect(outputs.notes.filter { $0.contains("outside the axis range") }.count == 1, "\(outputs.notes)")

        // N* and D*: a band, a fitted line and the per-budget points each, plus one interval
        // whisker per used budget and quantity.
        let frontier = try Support.chart(out.appendingPathComponent("frontier.svg"))
        #expect(try frontier.count("band") == 2)
        #expect(try frontier.count("highlight") == 2)
        let whiskers = used.flatMap { b in ["N_opt", "D_opt"].map { ((b[$0] as? [String: Any])?["ci95"] as? [Any])?.count == 2 } }.filter { $0 }.count
        #expect(whiskers > 0)
        #expect(try frontier.count("line") == 2 + whiskers)
        let points = try #require((fit["N_frontier"] as? [String: Any])?["points"] as? [Any])
        #expect(points.count == used.count)
    }

    @Test func chinchillaWritesDiagnosticsFrontierAndSlices() throws {
        let dir = try Support.outputDirectory("chinchilla")
        defer { Support.discard(dir) }
        let report = try Support.report(.chinchilla, input: Support.porian) {
            $0.bootstrap = 16
            $0.budgets = [1e20]
        }
        let outputs = try report.writeOutputs(to: dir.path)
        #expect(outputs.written == ["fit.json", "fit.svg", "frontier.svg", "isoflop.svg"].map { dir.appendingPathComponent($0) })
        let fit = try Support.json(dir.appendingPathComponent("fit.json"))
        #expect((fit["residuals"] as? [Any])?.count == 121)

        // Two panels; the 12 budgets are groups in both; reference lines y = x and zero.
        let diagnostics = try Support.chart(dir.appendingPathComponent("fit.svg"))
        #expect(try diagnostics.panels == 2)
        #expect(try diagnostics.count("scatter") == 24)
        #expect(try diagnostics.count("identity") == 1)
        #expect(try diagnostics.count("hline") == 1)

        let frontier = try Support.chart(dir.appendingPathComponent("frontier.svg"))
        #expect(try frontier.count("band") == 2)
        #expect(try frontier.count("line") == 2)
        #expect(try frontier.count("highlight") == 2)  // the lowest-loss run per budget
        #expect(try frontier.seriesNames("line").allSatisfy { $0.contains("∝ C^") })

        let slices = try Support.chart(dir.appendingPathComponent("isoflop.svg"))
        #expect(try slices.count("scatter") == 12)
        #expect(try slices.count("line") >= 12)
    }

    /// The charts of `windtunnel plot isoflop|frontier|fit`, with the title and size they take.
    @Test func plotChartsTakeTitleAndSize() throws {
        let dir = try Support.outputDirectory("plot")
        defer { Support.discard(dir) }
        let cases: [(FitLaw, FitChart, Int, String, String)] = [
            (.isoflop, .isoflop, 0, "isoflop.svg", "scatter"),
            (.isoflop, .frontier, 20, "frontier.svg", "band"),
            (.kaplan, FitLaw.kaplan.diagnosticChart, 0, "kaplan-fit.svg", "identity"),
            (.power, FitLaw.power.diagnosticChart, 0, "power-fit.svg", "identity"),
        ]
        for (law, chart, bootstrap, file, kind) in cases {
            let report = try Support.report(law, input: Support.porian) {
                $0.bootstrap = bootstrap
                $0.xColumn = "C"
            }
            let figure = try report.figure(chart, title: "Custom title", width: 500)
            #expect(figure.panelSize.width == 500, "\(file)")
            let out = dir.appendingPathComponent(file)
            try figure.write(to: out)
            let svg = try Support.chart(out)
            #expect(try svg.count(kind) >= 1, "\(file)")
            #expect(svg.text.contains("Custom title"), "\(file)")
        }
    }

    @Test func envelopeFromLongCurvesCSV() throws {
        let dir = try Support.outputDirectory("envelope")
        defer { Support.discard(dir) }
        let csv = try Synthetic.write(Synthetic.curvesCSV(), to: dir, name: "curves.csv")
        let report = try Support.report(.envelope, input: csv) { $0.bootstrap = 20 }
        let out = dir.appendingPathComponent("fit")
        let outputs = try report.writeOutputs(to: out.path)
        #expect(outputs.written == ["fit.json", "frontier.svg", "envelope.svg"].map { out.appendingPathComponent($0) })
        let frontier = try Support.chart(out.appendingPathComponent("frontier.svg"))
        #expect(try frontier.count("band") == 2)
        #expect(try frontier.count("scatter") == 2)  // envelope points as small markers
        let envelope = try Support.chart(out.appendingPathComponent("envelope.svg"))
        #expect(try envelope.count("line") == Synthetic.sizes.count + 1)  // each run + the envelope
    }

    /// Kaplan: diagnostics grouped by budget beside the residuals, and the three single laws.
    @Test func kaplanWritesDiagnosticsAndLaws() throws {
        let dir = try Support.outputDirectory("kaplan")
        defer { Support.discard(dir) }
        let report = try Support.report(.kaplan, input: Support.porian) { $0.bootstrap = 0 }
        let outputs = try report.writeOutputs(to: dir.path)
        #expect(outputs.written == ["fit.json", "fit.svg", "laws.svg"].map { dir.appendingPathComponent($0) })
        let diagnostics = try Support.chart(dir.appendingPathComponent("fit.svg"))
        #expect(try diagnostics.panels == 2)
        #expect(try diagnostics.count("scatter") == 24)
        let laws = try Support.chart(dir.appendingPathComponent("laws.svg"))
        #expect(try laws.panels == 3)
        #expect(try laws.count("scatter") == 3)  // all runs, per panel
        #expect(try laws.count("line") == 3)
        #expect(try laws.count("highlight") == 3)
    }

    /// Power law: y vs x with the fit and its band, and the diagnostics against x.
    @Test func powerWritesChartAndDiagnostics() throws {
        let dir = try Support.outputDirectory("power")
        defer { Support.discard(dir) }
        let report = try Support.report(.power, input: Support.porian) {
            $0.xColumn = "C"
            $0.bootstrap = 10
        }
        let outputs = try report.writeOutputs(to: dir.path)
        #expect(outputs.written == ["fit.json", "power.svg", "fit.svg"].map { dir.appendingPathComponent($0) })
        let power = try Support.chart(dir.appendingPathComponent("power.svg"))
        #expect(try power.count("band") == 1)
        #expect(try power.count("line") == 1)
        #expect(try power.count("scatter") == 1)
        #expect(try power.seriesNames("line").first?.hasPrefix("fit, α = ") == true)
        let diagnostics = try Support.chart(dir.appendingPathComponent("fit.svg"))
        #expect(try diagnostics.panels == 2)
        #expect(try diagnostics.count("scatter") == 2)  // one group, in both panels
    }

    /// MoE: both laws' diagnostics, one group each.
    @Test func moeWritesDiagnosticsPerLaw() throws {
        let dir = try Support.outputDirectory("moe")
        defer { Support.discard(dir) }
        let csv = try Synthetic.write(Synthetic.moeCSV(), to: dir, name: "moe.csv")
        let report = try Support.report(.moe, input: csv) { $0.bootstrap = 0 }
        let outputs = try report.writeOutputs(to: dir.appendingPathComponent("fit").path)
        #expect(outputs.written.map(\.lastPathComponent) == ["fit.json", "fit.svg"])
        let diagnostics = try Support.chart(dir.appendingPathComponent("fit/fit.svg"))
        #expect(try diagnostics.panels == 2)
        #expect(try diagnostics.count("scatter") == 4)
        #expect(try diagnostics.legendLabels.contains("Clark et al."))
    }

    /// Schedule: each run's observed curve and the law's (fitted or predicted), one legend row
    /// per run plus the two line styles.
    @Test func scheduleWritesCurves() throws {
        let dir = try Support.outputDirectory("schedule")
        defer { Support.discard(dir) }
        let csv = try Synthetic.write(Synthetic.scheduleCSV(), to: dir, name: "schedule.csv")
        let report = try Support.report(.schedule, input: csv) { $0.predictSchedules = ["wsd"] }
        #expect(report.charts == [FitLaw.schedule.diagnosticChart])
        let outputs = try report.writeOutputs(to: dir.appendingPathComponent("fit").path)
        #expect(outputs.written.map(\.lastPathComponent) == ["fit.json", "curves.svg"])
        let curves = try Support.chart(dir.appendingPathComponent("fit/curves.svg"))
        #expect(try curves.count("line") == 6)
        #expect(try curves.legendLabels == ["r-const (fitted)", "r-cos (fitted)", "r-wsd (predicted)", "observed", "multi-power law"])
    }
}
