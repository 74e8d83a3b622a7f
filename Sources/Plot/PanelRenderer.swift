import Foundation

/// Lays out and draws one `Chart` into a panel of `size` pixels at the writer's current origin.
struct PanelRenderer {
    let chart: Chart
    let size: Size
    /// Prefix for ids (clip path) so several panels can share a document.
    let id: String
    /// How notes and errors name this chart.
    let displayName: String
    private(set) var notes: [String] = []

    enum Font {
        static let tick = 12.0
        static let label = 13.5
        static let title = 15.0
    }
    static let tickLength = 5.0
    static let minorTickLength = 3.0
    static let referenceColor = Color(hex: 0x555555)

    init(chart: Chart, size: Size, id: String, displayName: String) {
        self.chart = chart
        self.size = size
        self.id = id
        self.displayName = displayName
    }

    /// A series with its style settled and its data cleaned (in data coordinates).
    struct Prepared {
        let series: Series
        let color: Color
        let marker: Marker
        let dash: Dash
        /// Lines: polylines (split where points were dropped). Bands: [lower, upper]. Error bars:
        /// [low, high] per bar.
        var polylines: [[Point]] = []
        /// Scatter and highlight points.
        var points: [Point] = []
    }

    struct Layout {
        var plot: Rect
        var xMap: AxisMapping
        var yMap: AxisMapping
        var xTicks: [Tick]
        var yTicks: [Tick]
    }

    // MARK: - Drawing

    mutating func draw(into svg: SVGWriter) throws {
        guard !chart.series.isEmpty else { throw PlotError.noSeries(chart: displayName) }
        try validate(chart.x, "x")
        try validate(chart.y, "y")
        let prepared = prepare()
        let (xDomain, yDomain) = try domains(prepared)

        let legend = LegendLayout(entries: legendEntries(prepared), title: chart.legendTitle, placement: chart.legend)
        var layout = makeLayout(xDomain: xDomain, yDomain: yDomain, rightExtra: 0)
        var geometry = PixelGeometry(prepared: prepared, layout: layout, svg: svg)
        var legendOrigin: Point?
        var outside = false
        if let legend {
            switch legend.placement {
            case .hidden: break
            case .inside(let corner):
                legendOrigin = legend.origin(in: layout.plot, corner: corner)
                outside = legendOrigin == nil  // too big for the plot: beside it instead
            case .auto:
                legendOrigin = legend.freeCorner(in: layout.plot, avoiding: geometry)
                outside = legendOrigin == nil
            case .outside:
                outside = true
            }
            if outside {
                let box = legend.boxSize(maxHeight: size.height - layout.plot.y - 8)
                layout = makeLayout(xDomain: xDomain, yDomain: yDomain, rightExtra: box.width + 14)
                geometry = PixelGeometry(prepared: prepared, layout: layout, svg: svg)
                legendOrigin = Point(layout.plot.maxX + 14, layout.plot.y)
            }
        }
        noteHiddenPoints(prepared, layout: layout)

        let plot = layout.plot
        svg.open("defs")
        svg.open("clipPath", [("id", "\(id)-clip")])
        svg.leaf("rect", [
            ("x", svg.num(plot.x)), ("y", svg.num(plot.y)), ("width", svg.num(plot.width)), ("height", svg.num(plot.height)),
        ])
        svg.close("clipPath")
        svg.close("defs")

        drawGrid(layout, svg: svg)
        svg.open("g", [("class", "data"), ("clip-path", "url(#\(id)-clip)")])
        for item in geometry.items where item.layer <= 2 { drawSeries(item, svg: svg) }
        svg.close("g")
        svg.open("g", [("class", "markers")])
        for item in geometry.items where item.layer > 2 { drawSeries(item, svg: svg) }
        svg.close("g")
        svg.leaf("rect", [
            ("class", "frame"), ("x", svg.num(plot.x)), ("y", svg.num(plot.y)), ("width", svg.num(plot.width)),
            ("height", svg.num(plot.height)), ("fill", "none"), ("stroke", "#333333"), ("stroke-width", "1"),
        ])
        drawAxes(layout, svg: svg)
        if let title = chart.title {
            // Centred over the plot, but shifted to stay inside the panel when a right-hand
            // legend makes the plot narrower than the title.
            let shown = TextMetrics.truncate(title, fontSize: Font.title, maxWidth: size.width - 16)
            let half = TextMetrics.width(shown, fontSize: Font.title) / 2
            let x = min(max(plot.x + plot.width / 2, 8 + half), size.width - 8 - half)
            svg.text(shown, [
                ("class", "chart-title"), ("x", svg.num(x)), ("y", svg.num(12 + Font.title)),
                ("text-anchor", "middle"), ("font-size", svg.num(Font.title)), ("font-weight", "bold"),
            ])
        }
        if let legend, let legendOrigin {
            legend.draw(at: legendOrigin, maxHeight: size.height - legendOrigin.y - 8, svg: svg)
        }
    }

    private func validate(_ axis: Axis, _ name: String) throws {
        guard let range = axis.range else { return }
        guard range.lowerBound.isFinite, range.upperBound.isFinite, range.lowerBound < range.upperBound else {
            throw PlotError.invalidArgument("\(displayName): \(name) range \(range) must be finite and non-empty")
        }
        if axis.scale == .log10 && range.lowerBound <= 0 {
            throw PlotError.invalidArgument("\(displayName): log \(name) range \(range) must be positive")
        }
    }

    // MARK: - Data preparation

    /// Settles colours/markers/dashes and drops points the axes cannot place, noting each drop.
    private mutating func prepare() -> [Prepared] {
        var autoIndex = 0
        var result: [Prepared] = []
        for s in chart.series {
            let reference = s.content.isReference
            let auto = s.color == nil && !reference
            let index = autoIndex
            if auto { autoIndex += 1 }
            let color = s.color ?? (reference ? Self.referenceColor : Palette.qualitative[index % Palette.qualitative.count])
            let marker = s.marker ?? (auto ? Palette.marker(index) : .circle)
            let dash = s.dash ?? (reference ? .dashed : auto ? Palette.dash(index) : .solid)
            var p = Prepared(series: s, color: color, marker: marker, dash: dash)
            var drops = DropCount()
            switch s.content {
            case .line(let points):
                p.polylines = split(points, drops: &drops)
            case .scatter(let points), .highlight(let points):
                p.points = split(points, drops: &drops).flatMap { $0 }
            case .band(let band):
                p.polylines = [split(band.lower, drops: &drops).flatMap { $0 }, split(band.upper, drops: &drops).flatMap { $0 }]
            case .errorBars(let bars):
                // One two-point polyline per bar; a bar with an end the axes cannot place is dropped whole.
                p.polylines = bars.compactMap { bar in
                    let ends = split([Point(bar.x, bar.low), Point(bar.x, bar.high)], drops: &drops)
                    return ends.count == 1 && ends[0].count == 2 ? ends[0] : nil
                }
            case .horizontalLine(let y):
                if !chart.y.scale.accepts(y) {
                    notes.append("reference line '\(s.name)' at y = \(y) cannot be drawn on the \(axisName(chart.y.scale)) y axis; left out")
                }
            case .identityLine:
                break
            }
            if let text = drops.description(series: s.name, x: chart.x.scale, y: chart.y.scale) { notes.append(text) }
            result.append(p)
        }
        return result
    }

    struct DropCount {
        var nonFinite = 0
        var nonPositiveX = 0
        var nonPositiveY = 0

        var total: Int { nonFinite + nonPositiveX + nonPositiveY }

        func description(series: String, x: Scale, y: Scale) -> String? {
            guard total > 0 else { return nil }
            var parts: [String] = []
            if nonFinite > 0 { parts.append("\(nonFinite) non-finite") }
            if nonPositiveX > 0 { parts.append("\(nonPositiveX) with x ≤ 0 on the log x axis") }
            if nonPositiveY > 0 { parts.append("\(nonPositiveY) with y ≤ 0 on the log y axis") }
            return "series '\(series)': dropped \(total) point\(total == 1 ? "" : "s") (\(parts.joined(separator: ", ")))"
        }
    }

    /// Runs of drawable points; a dropped point ends a run so lines are not drawn across it.
    private func split(_ points: [Point], drops: inout DropCount) -> [[Point]] {
        var runs: [[Point]] = []
        var current: [Point] = []
        for p in points {
            var ok = true
            if !p.x.isFinite || !p.y.isFinite {
                drops.nonFinite += 1
                ok = false
            } else if !chart.x.scale.accepts(p.x) {
                drops.nonPositiveX += 1
                ok = false
            } else if !chart.y.scale.accepts(p.y) {
                drops.nonPositiveY += 1
                ok = false
            }
            if ok {
                current.append(p)
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    private func axisName(_ scale: Scale) -> String { scale == .log10 ? "log" : "linear" }

    private func domains(_ prepared: [Prepared]) throws -> (ClosedRange<Double>, ClosedRange<Double>) {
        var xs: [Double] = [], ys: [Double] = []
        for p in prepared {
            for line in p.polylines { for q in line { xs.append(q.x); ys.append(q.y) } }
            for q in p.points { xs.append(q.x); ys.append(q.y) }
        }
        guard let xLo = xs.min(), let xHi = xs.max(), let yLo0 = ys.min(), let yHi0 = ys.max() else {
            let detail = notes.isEmpty ? "every series is empty" : notes.joined(separator: "; ")
            throw PlotError.noPlottableData(chart: displayName, detail: detail)
        }
        var yLo = yLo0, yHi = yHi0
        for p in prepared {
            if case .horizontalLine(let y) = p.series.content, chart.y.scale.accepts(y) {
                yLo = min(yLo, y)
                yHi = max(yHi, y)
            }
        }
        let x = chart.x.range ?? chart.x.scale.paddedDomain(lo: xLo, hi: xHi)
        let y = chart.y.range ?? chart.y.scale.paddedDomain(lo: yLo, hi: yHi)
        return (x, y)
    }

    /// With a fixed axis range, markers outside it are not drawn; say how many.
    private mutating func noteHiddenPoints(_ prepared: [Prepared], layout: Layout) {
        guard chart.x.range != nil || chart.y.range != nil else { return }
        for p in prepared {
            let hidden = p.points.filter { !layout.xMap.contains($0.x) || !layout.yMap.contains($0.y) }.count
            if hidden > 0 { notes.append("series '\(p.series.name)': \(hidden) point\(hidden == 1 ? "" : "s") outside the axis range not shown") }
        }
    }

    // MARK: - Layout

    private func makeLayout(xDomain: ClosedRange<Double>, yDomain: ClosedRange<Double>, rightExtra: Double) -> Layout {
        let top = chart.title == nil ? 16.0 : 22 + Font.title
        let bottom = Self.tickLength + 4 + Font.tick + (chart.x.label.isEmpty ? 10 : 12 + Font.label + 6)
        let plotHeight = max(40, size.height - top - bottom)
        let yMapProvisional = AxisMapping(scale: chart.y.scale, domain: yDomain, start: top + plotHeight, end: top)
        var yTicks = Ticks.make(
            scale: chart.y.scale, domain: yDomain, targetCount: max(3, min(8, Int(plotHeight / 55))), format: chart.y.format)
        yTicks = thinLabels(yTicks, mapping: yMapProvisional) { _ in Font.tick + 3 }
        let yLabelWidth = yTicks.compactMap(\.label).map { TextMetrics.width($0, fontSize: Font.tick) }.max() ?? 0
        let left = 10 + (chart.y.label.isEmpty ? 0 : Font.label + 10) + yLabelWidth + 4 + Self.tickLength
        var right = 20 + rightExtra
        while true {
            let plotWidth = max(40, size.width - left - right)
            let plot = Rect(x: left, y: top, width: plotWidth, height: plotHeight)
            let xMap = AxisMapping(scale: chart.x.scale, domain: xDomain, start: plot.x, end: plot.maxX)
            let yMap = AxisMapping(scale: chart.y.scale, domain: yDomain, start: plot.maxY, end: plot.y)
            var xTicks = Ticks.make(
                scale: chart.x.scale, domain: xDomain, targetCount: max(3, min(10, Int(plotWidth / 85))), format: chart.x.format)
            xTicks = thinLabels(xTicks, mapping: xMap) { TextMetrics.width($0, fontSize: Font.tick) + 8 }
            // A long label on the last tick may stick out of the panel: widen the margin once.
            if rightExtra == 0, right == 20, let last = xTicks.last(where: { $0.label != nil }),
               let p = xMap.pixel(last.value) {
                let overflow = p + TextMetrics.width(last.label!, fontSize: Font.tick) / 2 - (size.width - 4)
                if overflow > 0 {
                    right += overflow
                    continue
                }
            }
            return Layout(plot: plot, xMap: xMap, yMap: yMap, xTicks: xTicks, yTicks: yTicks)
        }
    }

    /// Keeps every k-th label, for the smallest k at which no two kept labels overlap
    /// (`extent` is a label's size along the axis, gap included).
    private func thinLabels(_ ticks: [Tick], mapping: AxisMapping, extent: (String) -> Double) -> [Tick] {
        let labelled = ticks.indices.filter { ticks[$0].label != nil }
        guard labelled.count > 2 else { return ticks }
        for k in 1...labelled.count {
            let kept = labelled.enumerated().filter { $0.offset % k == 0 }.map(\.element)
            var fits = true
            for (a, b) in zip(kept, kept.dropFirst()) {
                guard let pa = mapping.pixel(ticks[a].value), let pb = mapping.pixel(ticks[b].value) else { continue }
                let need = (extent(ticks[a].label!) + extent(ticks[b].label!)) / 2
                if abs(pb - pa) < need { fits = false; break }
            }
            if fits {
                var out = ticks
                for i in labelled where !kept.contains(i) { out[i].label = nil }
                return out
            }
        }
        return ticks
    }
}
