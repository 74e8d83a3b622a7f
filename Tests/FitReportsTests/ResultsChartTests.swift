import FitReports
import Foundation
import Plot
import Testing

/// `plot results`: lines per group, a panel per value, the optimum of each line, mean rows left out.
@Suite struct ResultsChartTests {
    /// Two parametrisations × two widths × three lrs; val loss is a parabola in log lr whose
    /// minimum sits at `best` (a mean row with a lower loss must be ignored).
    static func table() throws -> URL {
        var lines = ["run_id,d_model,lr,val_loss,parametrization,kind"]
        for (p, best) in [("sp", [1e-2, 2.5e-3]), ("mup", [1e-2, 1e-2])] {
            for (w, width) in [32, 128].enumerated() {
                for lr in [2.5e-3, 1e-2, 4e-2] {
                    let loss = 2 + pow(log2(lr / best[w]), 2) / 10
                    lines.append("\(p)-d\(width)-lr\(lr),\(width),\(lr),\(loss),\(p),run")
                }
                lines.append("\(p)-d\(width)-mean,\(width),0.01,1.0,\(p),mean")
            }
        }
        let dir = try Support.outputDirectory("results-chart")
        let url = dir.appendingPathComponent("results.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func drawsALinePerGroupAndAPanelPerValueAndReportsEachOptimum() throws {
        let request = ResultsChartRequest(input: try Self.table().path, x: "lr", y: "val_loss", series: ["d_model"],
                                          panel: "parametrization")
        let (figure, optima) = try ResultsChart.figure(request)
        #expect(figure.panels.count == 2)
        #expect(figure.panels.map(\.title) == ["parametrization = mup", "parametrization = sp"])
        for panel in figure.panels {
            #expect(panel.series.filter { if case .line = $0.content { return true } else { return false } }.map(\.name)
                    == ["d_model=32", "d_model=128"])
        }
        #expect(optima == [
            "parametrization=mup d_model=32: best lr 1e-2, val_loss 2.0000",
            "parametrization=mup d_model=128: best lr 1e-2, val_loss 2.0000",
            "parametrization=sp d_model=32: best lr 1e-2, val_loss 2.0000",
            "parametrization=sp d_model=128: best lr 2.5e-3, val_loss 2.0000 (lowest value tried)",
        ])
        let svg = try figure.render().svg
        #expect(svg.contains("d_model=128"))
    }

    /// --log-y: a log y axis spanning the data (compute-optimal N* against C).
    @Test func logYAxisSpansThePositiveValues() throws {
        let request = ResultsChartRequest(input: try Self.table().path, x: "lr", y: "val_loss", series: ["d_model"], logY: true)
        let panel = try ResultsChart.figure(request).figure.panels[0]
        #expect(panel.y.scale == .log10)
        let range = try #require(panel.y.range)
        #expect(range.lowerBound > 0 && range.lowerBound < 2 && range.upperBound > 2.4)
    }

    @Test func anUnknownColumnNamesItAndTheColumnsThereAre() throws {
        let request = ResultsChartRequest(input: try Self.table().path, x: "learning_rate", y: "val_loss", series: ["d_model"])
        #expect(throws: FitReportError.self) { try ResultsChart.figure(request) }
        do { _ = try ResultsChart.figure(request) } catch {
            #expect("\(error)".contains("no column 'learning_rate'") && "\(error)".contains("available columns: run_id, d_model"))
        }
    }
}
