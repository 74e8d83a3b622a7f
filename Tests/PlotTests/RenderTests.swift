import Foundation
import Plot
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("Chart rendering")
struct RenderTests {
    private func chart(_ series: [Series], x: Scale = .linear, y: Scale = .linear) -> Chart {
        Chart(title: "t", x: Axis("x", scale: x), y: Axis("y", scale: y), series: series)
    }

    @Test func emptySeriesListIsAClearError() {
        #expect(throws: PlotError.noSeries(chart: "'t'")) { try chart([]).render() }
    }

    @Test func seriesWithNoDrawablePointsIsAnError() throws {
        let c = chart([.scatter("a", [Point(-1, 2), Point(0, 3)])], x: .log10)
        do {
            _ = try c.render()
            Issue.record("expected an error")
        } catch let error as PlotError {
            guard case .noPlottableData(_, let detail) = error else { Issue.record("wrong error \(error)"); return }
            #expect(detail.contains("x ≤ 0"))
        }
    }

    @Test func singlePointRenders() throws {
        let (doc, _) = try Support.check(chart([.scatter("only", [Point(3.25, 1e6)])], y: .log10), name: "single-point")
        #expect(try Support.series(doc, kind: "scatter").count == 1)
        #expect(try Support.ticks(doc, axis: "x").count >= 2)
        #expect(try Support.ticks(doc, axis: "y").count >= 2)
    }

    @Test func allEqualValuesRender() throws {
        let points = (0..<5).map { Point(Double($0), 2.0) }
        let (doc, _) = try Support.check(chart([.line("flat", points)]), name: "all-equal")
        let labels = try Support.tickLabels(doc, axis: "y")
        #expect(labels.count >= 2)
        #expect(Set(labels).count == labels.count, "duplicate y labels \(labels)")
        let zeros = [Point(1, 0), Point(10, 0)]
        try Support.check(chart([.line("zeros", zeros)], x: .log10), name: "all-zero")
    }

    @Test func nonPositiveValuesOnLogAxesAreDroppedAndReported() throws {
        let points = [Point(0, 1), Point(1, 2), Point(10, -3), Point(100, 4), Point(.nan, 5), Point(1000, .infinity)]
        let (doc, rendered) = try Support.check(chart([.line("run", points)], x: .log10, y: .log10), name: "log-drops")
        #expect(rendered.notes.count == 1)
        #expect(rendered.notes[0].contains("dropped 4 points"))
        #expect(rendered.notes[0].contains("x ≤ 0"))
        #expect(rendered.notes[0].contains("y ≤ 0"))
        #expect(rendered.notes[0].contains("non-finite"))
        let series = try Support.series(doc, kind: "line")
        #expect(series.count == 1)
        #expect(Support.attribute(series[0], "data-points") == "2")
        // Notes are recorded in the document too.
        #expect(try Support.elements(doc, "//*[local-name()='desc'][@class='note']").count == 1)
    }

    @Test func textIsEscaped() throws {
        let name = "a<b & \"c\" 'd' >\u{1}"
        let c = Chart(title: "<title & co>", x: Axis("x < 1"), y: Axis("y & z"), series: [.scatter(name, [Point(1, 1), Point(2, 2)])])
        let (doc, _) = try Support.check(c, name: "escaping")
        let series = try Support.series(doc, kind: "scatter")
        #expect(Support.attribute(series[0], "data-series") == "a<b & \"c\" 'd' >")
        #expect(try Support.elements(doc, "//*[@class='chart-title']").first?.stringValue == "<title & co>")
    }

    /// A title longer than the plot (a right-hand legend narrows it) stays inside the panel.
    @Test func longTitleStaysInsideThePanel() throws {
        let title = "val loss vs experts E (top-1, equal active FLOPs), seed means of every shape"
        let series: [Series] = (1...5).map { i in .line("shape=d48 L3 C=\(i)e12 a long series name", [Point(1, Double(i)), Point(2, Double(i) + 1)]) }
        let c = Chart(title: title, x: Axis("x"), y: Axis("y"), series: series)
        let doc = try Support.parse(try c.render(size: Size(width: 720, height: 480)).svg)
        let element = try #require(try Support.elements(doc, "//*[@class='chart-title']").first)
        let x = try #require(Double(Support.attribute(element, "x") ?? ""))
        // A lower bound on the rendered width of bold 15 px sans-serif: 0.45 em per character.
        let half = 0.45 * 15 * Double((element.stringValue ?? "").count) / 2
        #expect(x - half >= 0 && x + half <= 720, "title spans \(x - half)...\(x + half)")
    }

    @Test func sizeAndViewBox() throws {
        let c = chart([.line("a", [Point(0, 0), Point(1, 1)])])
        let rendered = try c.render(size: Size(width: 400, height: 300))
        let doc = try Support.parse(rendered.svg)
        let root = try #require(doc.rootElement())
        #expect(Support.attribute(root, "width") == "400")
        #expect(Support.attribute(root, "height") == "300")
        #expect(Support.attribute(root, "viewBox") == "0 0 400 300")
        #expect(throws: PlotError.self) { try c.render(size: Size(width: 10, height: .nan)) }
    }

    @Test func everySeriesKindIsDrawnAndCounted() throws {
        let xs = stride(from: 1.0, through: 10, by: 1).map { $0 }
        let c = chart([
            .band("band", lower: xs.map { Point($0, $0 - 1) }, upper: xs.map { Point($0, $0 + 1) }),
            .line("line", xs.map { Point($0, $0) }, dash: .dashed),
            .scatter("scatter", xs.map { Point($0, $0 + 0.3) }, marker: .triangle),
            .highlight("best", [Point(5, 5)], marker: .star),
            .identityLine(),
            .horizontalLine("zero", y: 0),
        ])
        let (doc, _) = try Support.check(c, name: "all-kinds")
        for kind in ["band", "line", "scatter", "highlight", "identity", "hline"] {
            #expect(try Support.series(doc, kind: kind).count == 1, "\(kind)")
        }
        #expect(try Support.elements(doc, "//*[@class='legend-entry']").count == 5)  // hline is out of the legend
    }

    @Test func manySeriesGetDistinctStyles() throws {
        let series = (0..<12).map { i in Series.line("run \(i)", (1...20).map { Point(Double($0), Double(i) + sin(Double($0))) }) }
        let (doc, _) = try Support.check(chart(series), name: "many-series")
        let lines = try Support.series(doc, kind: "line")
        #expect(lines.count == 12)
        let styles = Set(lines.map { "\(Support.attribute($0, "stroke") ?? "")|\(Support.attribute($0, "stroke-dasharray") ?? "solid")" })
        #expect(styles.count == 12)
    }

    @Test func explicitRangeHidesOutsidePointsWithANote() throws {
        var c = chart([.scatter("s", [Point(1, 1), Point(2, 2), Point(50, 3)])])
        c.x.range = 0...10
        let (doc, rendered) = try Support.check(c, name: "explicit-range")
        #expect(rendered.notes.contains { $0.contains("1 point outside") })
        #expect(try Support.elements(doc, "//*[@data-kind='scatter']/*").count == 2)
        c.y = Axis("y", scale: .log10, range: 0...10)
        #expect(throws: PlotError.self) { try c.render() }
    }

    @Test func legendStaysOffTheData() throws {
        // Data along the diagonal: the auto legend must land in a free corner.
        let pts = (0...40).map { Point(Double($0), Double($0)) }
        let c = chart([.line("diagonal", pts), .scatter("points", pts)])
        let (doc, _) = try Support.check(c, name: "legend-corner")
        let box = try #require(try Support.elements(doc, "//*[@class='legend']/*[local-name()='rect']").first)
        let frame = try #require(try Support.elements(doc, "//*[@class='frame']").first)
        func v(_ e: XMLElement, _ n: String) -> Double { Double(Support.attribute(e, n) ?? "") ?? .nan }
        let bx = v(box, "x"), by = v(box, "y"), fx = v(frame, "x"), fy = v(frame, "y")
        // Inside the plot, in the top-left corner (the diagonal runs bottom-left to top-right).
        #expect(bx > fx && bx < fx + 30)
        #expect(by > fy && by < fy + 30)
    }

    @Test func legendMovesOutsideWhenEveryCornerHasData() throws {
        var noise = Support.Noise(state: 5)
        let cloud = (0..<400).map { _ in Point(noise.next(), noise.next()) }
        let c = chart([.scatter("cloud", cloud), .line("trend", [Point(-0.5, -0.5), Point(0.5, 0.5)])])
        let (doc, _) = try Support.check(c, name: "legend-outside")
        let box = try #require(try Support.elements(doc, "//*[@class='legend']/*[local-name()='rect']").first)
        let frame = try #require(try Support.elements(doc, "//*[@class='frame']").first)
        let boxX = Double(Support.attribute(box, "x") ?? "") ?? 0
        let frameRight = (Double(Support.attribute(frame, "x") ?? "") ?? 0) + (Double(Support.attribute(frame, "width") ?? "") ?? 0)
        #expect(boxX > frameRight)
    }

    @Test func figureHasPanelsAndUniqueClipIds() throws {
        let a = chart([.line("a", [Point(0, 0), Point(1, 1)])])
        let figure = Figure(title: "two", panels: [a, a], columns: 2, panelSize: Size(width: 400, height: 300))
        let rendered = try figure.render()
        let doc = try Support.parse(rendered.svg)
        #expect(try Support.elements(doc, "//*[@class='panel']").count == 2)
        let ids = try Support.elements(doc, "//*[local-name()='clipPath']").compactMap { Support.attribute($0, "id") }
        #expect(Set(ids).count == 2)
        #expect(Support.attribute(try #require(doc.rootElement()), "width") == "800")
    }

    @Test func writeIsAtomicAndCreatesDirectories() throws {
        let dir = try Support.outputDirectory("write")
        defer { Support.discard(dir) }
        let file = dir.appendingPathComponent("nested/deeper/chart.svg")
        try chart([.line("a", [Point(0, 0), Point(1, 1)])]).write(to: file)
        #expect(FileManager.default.fileExists(atPath: file.path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path)
        #expect(leftovers == ["chart.svg"])
    }

    @Test func longLinesAreDecimatedButKeepTheirExtent() throws {
        var noise = Support.Noise(state: 3)
        let points = (1...50_000).map { Point(Double($0), 3 + noise.next()) }
        let rendered = try chart([.line("long", points)], x: .log10).render()
        #expect(rendered.svg.utf8.count < 400_000)
        let doc = try Support.parse(rendered.svg)
        #expect(Support.attribute(try Support.series(doc, kind: "line")[0], "data-points") == "50000")
    }
}
