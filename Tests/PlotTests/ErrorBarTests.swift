import Foundation
import Plot
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("Error bars")
struct ErrorBarTests {
    @Test func barsSpanLowToHighWithCapsAndWidenTheAxis() throws {
        let points = [Point(1, 2), Point(2, 3), Point(3, 2.5)]
        let bars = points.map { ErrorBar(x: $0.x, y: $0.y, plusMinus: 0.5) }
        let c = Chart(title: "t", x: Axis("x"), y: Axis("y"),
                      series: [.errorBars("± std", bars, color: Color(hex: 0x1F77B4)), .scatter("mean", points)])
        let (doc, _) = try Support.check(c, name: "error-bars")
        let group = try #require(try Support.series(doc, kind: "errorbars").first)
        #expect(Support.attribute(group, "data-points") == "3")
        let paths = try Support.elements(doc, "//*[@data-kind='errorbars']/*")
        #expect(paths.count == 3)
        // Each path: the bar and two caps (three move-to commands).
        for p in paths { #expect((Support.attribute(p, "d") ?? "").filter { $0 == "M" }.count == 3) }
        // The y axis reaches the bars' ends (1.5 and 3.5), not just the markers (2 to 3).
        let labels = try Support.elements(doc, "//*[local-name()='text']").compactMap { $0.stringValue }.compactMap(Double.init)
        #expect((labels.min() ?? 9) <= 1.5 && (labels.max() ?? 0) >= 3.5)
        // Not in the legend: bars belong to their markers.
        #expect(c.series[0].showsInLegend == false)
    }

    @Test func aBarALogAxisCannotPlaceIsDroppedWithANote() throws {
        let c = Chart(title: "t", x: Axis("x"), y: Axis("y", scale: .log10),
                      series: [.errorBars("± std", [ErrorBar(x: 1, low: -1, high: 3), ErrorBar(x: 2, low: 1, high: 2)]),
                               .scatter("mean", [Point(1, 1), Point(2, 1.5)])])
        let (doc, rendered) = try Support.check(c, name: "error-bars-log")
        #expect(try Support.elements(doc, "//*[@data-kind='errorbars']/*").count == 1)
        #expect(rendered.notes.contains { $0.contains("± std") && $0.contains("y ≤ 0") })
    }

    @Test func isoflopCurvesDrawBarsForPointsWithAnError() throws {
        let curve = IsoFLOPCurve(budget: 1e15, points: [Point(1e6, 3), Point(2e6, 2.8), Point(4e6, 2.9)],
                                 errors: [0.05, nil, 0.02])
        let chart = Charts.isoFLOP([curve])
        let bars = chart.series.compactMap { s -> [ErrorBar]? in if case .errorBars(let b) = s.content { return b } else { return nil } }
        #expect(bars == [[ErrorBar(x: 1e6, y: 3, plusMinus: 0.05), ErrorBar(x: 4e6, y: 2.9, plusMinus: 0.02)]])
        #expect(Charts.isoFLOP([IsoFLOPCurve(budget: 1e15, points: curve.points)]).series.allSatisfy {
            if case .errorBars = $0.content { return false } else { return true }
        })
    }
}
