import CommandTestSupport
import Foundation
import Plot
import Testing

/// Each builder rendered for real (rsvg-convert) and checked structurally.
@Suite("Chart builders")
struct BuilderTests {
    @Test func isoFLOPCurves() throws {
        let curves = Synthetic.isoFLOP()
        let chart = Charts.isoFLOP(curves)
        let (doc, rendered) = try Support.check(chart, name: "isoflop")
        #expect(rendered.notes.isEmpty)
        #expect(try Support.series(doc, kind: "scatter").count == curves.count)
        #expect(try Support.series(doc, kind: "line").count == curves.count)
        #expect(try Support.series(doc, kind: "highlight").count == curves.count)
        let entries = try Support.elements(doc, "//*[@class='legend-entry']").compactMap { Support.attribute($0, "data-label") }
        #expect(entries == ["C = 1e17", "C = 3e17", "C = 1e18", "C = 3e18", "C = 1e19", "fitted minimum"])
        #expect(try Support.ticks(doc, axis: "x").count >= 2)
        #expect(try Support.ticks(doc, axis: "x", major: false).count > 0)
        let xAxis = try Support.elements(doc, "//*[contains(@class,'x-axis')]")
        #expect(Support.attribute(xAxis[0], "data-scale") == "log10")
        // Sequential colours: every budget gets its own.
        let colors = try Support.series(doc, kind: "scatter").compactMap { Support.attribute($0, "fill") }
        #expect(Set(colors).count == curves.count)
    }

    @Test func isoFLOPWithManyBudgets() throws {
        let budgets = (0..<10).map { 1e16 * pow(10, Double($0) * 0.4) }
        let curves = Synthetic.isoFLOP(budgets: budgets)
        let (doc, _) = try Support.check(Charts.isoFLOP(curves, connectMinima: true), name: "isoflop-many")
        #expect(try Support.series(doc, kind: "scatter").count == 10)
        let markers = Set(try Support.series(doc, kind: "scatter").map { try Support.elements($0, "./*").first?.name ?? "" })
        #expect(markers.count >= 2)  // shapes vary, not only colours
        #expect(try Support.elements(doc, "//*[@class='legend-entry']").count == 11)
    }

    @Test func isoFLOPWithoutFits() throws {
        let curves = Synthetic.isoFLOP(budgets: [1e15]).map { IsoFLOPCurve(budget: $0.budget, points: $0.points) }
        let (doc, _) = try Support.check(Charts.isoFLOP(curves, coloring: .qualitative), name: "isoflop-points-only")
        #expect(try Support.series(doc, kind: "line").isEmpty)
        #expect(try Support.series(doc, kind: "highlight").isEmpty)
    }

    @Test func frontier() throws {
        let curves = Synthetic.isoFLOP()
        let minima = curves.compactMap { c in c.minimum.map { Point(c.budget, $0.x) } }
        let tokens = minima.map { Point($0.x, $0.x / (6 * $0.y)) }
        // Power law through the first and last optimum, and a band widening away from the data.
        func powerLaw(_ pts: [Point]) -> (Double) -> Double {
            let b = log(pts.last!.y / pts.first!.y) / log(pts.last!.x / pts.first!.x)
            let a = pts.first!.y / pow(pts.first!.x, b)
            return { a * pow($0, b) }
        }
        let range = 3e16...3e19
        let nLaw = powerLaw(minima), dLaw = powerLaw(tokens)
        let spread: (Double) -> Double = { c in 1.15 + 0.1 * abs(log10(c / 1e18)) }
        let chart = Charts.frontier([
            FrontierSeries(
                name: "N_opt", points: minima, fit: Charts.sample(range, count: 60, nLaw), fitLabel: "N_opt ∝ C^0.50",
                band: Band(lower: Charts.sample(range, count: 60) { nLaw($0) / spread($0) },
                           upper: Charts.sample(range, count: 60) { nLaw($0) * spread($0) }),
                bandLabel: "N_opt 90% interval"),
            FrontierSeries(name: "D_opt", points: tokens, fit: Charts.sample(range, count: 60, dLaw)),
        ], yLabel: "Parameters N / tokens D")
        let (doc, _) = try Support.check(chart, name: "frontier")
        #expect(try Support.series(doc, kind: "band").count == 1)
        #expect(try Support.series(doc, kind: "line").count == 2)
        #expect(try Support.series(doc, kind: "highlight").count == 2)
        #expect(try Support.ticks(doc, axis: "x").count >= 2)
        #expect(try Support.ticks(doc, axis: "y").count >= 2)
        #expect(try Support.tickLabels(doc, axis: "x").allSatisfy { $0.contains("e") })
    }

    @Test func lossCurves() throws {
        // Cosine decays all along; WSD stays high until a short cooldown at the end.
        let steps = 1...600
        func curve(_ name: String, _ bump: (Double) -> Double) -> Curve {
            Curve(name: name, points: steps.map { s in
                let tokens = Double(s) * 16_384
                return Point(tokens, 3 + 1.5 / pow(Double(s), 0.3) + bump(Double(s) / 600))
            })
        }
        let runs = [
            curve("cosine") { f in 0.25 * (1 - (1 + cos(.pi * f)) / 2) * -1 + 0.25 },
            curve("wsd") { f in f < 0.8 ? 0.2 : 0.2 * (1 - f) / 0.2 - 0.03 * (f - 0.8) / 0.2 },
            curve("constant") { _ in 0.2 },
        ]
        let (doc, _) = try Support.check(Charts.lossCurves(runs, title: "WSD vs cosine", xFormat: .si), name: "loss-curves")
        #expect(try Support.series(doc, kind: "line").count == 3)
        #expect(try Support.tickLabels(doc, axis: "x").contains { $0.hasSuffix("M") })
        let logY = Charts.lossCurves(runs, yScale: .log10)
        let (docLog, _) = try Support.check(logY, name: "loss-curves-log-y")
        #expect(try Support.ticks(docLog, axis: "y").count >= 2)
    }

    @Test func fitDiagnostics() throws {
        var noise = Support.Noise(state: 11)
        let groups = [1e17, 1e18, 1e19].map { c -> DiagnosticGroup in
            let n = (0..<7).map { 2e7 * pow(10, Double($0) * 0.3) * sqrt(c / 1e17) }
            let observed = n.map { Synthetic.loss(n: $0, d: c / (6 * $0)) }
            let predicted = observed.map { $0 * (1 + 0.01 * noise.next()) }
            return DiagnosticGroup(name: "C = \(TickFormat.scientific.label(c))", variable: n, observed: observed, predicted: predicted)
        }
        let figure = try Charts.fitDiagnostics(groups)
        let dir = try Support.outputDirectory("charts")
        defer { Support.discard(dir) }
        let file = dir.appendingPathComponent("fit-diagnostics.svg")
        let rendered = try figure.write(to: file)
        let doc = try Support.parse(rendered.svg)
        try renderPNG(file)
        #expect(try Support.elements(doc, "//*[@class='panel']").count == 2)
        #expect(try Support.series(doc, kind: "scatter").count == 6)
        #expect(try Support.series(doc, kind: "identity").count == 1)
        #expect(try Support.series(doc, kind: "hline").count == 1)

        // The separate charts, as `fit --out` may want them.
        let single = [PredictionGroup(name: "all", observed: [3.1, 2.9, 2.7], predicted: [3.05, 2.93, 2.71])]
        let (pvo, _) = try Support.check(try Charts.predictedVsObserved(single), name: "predicted-vs-observed")
        #expect(try Support.elements(pvo, "//*[@class='legend']").isEmpty)  // one group: no legend needed
        let residuals = [ResidualGroup(name: "all", x: [1e7, 1e8, 1e9], residuals: [0.01, -0.02, 0.005])]
        let (res, _) = try Support.check(try Charts.residuals(residuals), name: "residuals")
        let zeroLine = try Support.series(res, kind: "hline")
        #expect(zeroLine.count == 1)
        #expect(Support.attribute(zeroLine[0], "data-points") == "2")
    }

    @Test func mismatchedLengthsAreErrors() {
        #expect(throws: PlotError.self) {
            try Charts.predictedVsObserved([PredictionGroup(name: "a", observed: [1, 2], predicted: [1])])
        }
        #expect(throws: PlotError.self) {
            try Charts.fitDiagnostics([DiagnosticGroup(name: "a", variable: [1], observed: [1, 2], predicted: [1, 2])])
        }
    }

    @Test func sampleIsLogSpaced() {
        let pts = Charts.sample(1...1000, count: 4) { $0 * 2 }
        #expect(pts.count == 4)
        #expect(abs(pts[1].x - 10) < 1e-9 && abs(pts[2].x - 100) < 1e-9)
        #expect(abs(pts[3].y - 2000) < 1e-9)
        #expect(Charts.sample(0...10, count: 5, scale: .log10) { $0 }.isEmpty)
    }
}
