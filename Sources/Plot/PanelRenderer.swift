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
        /// Lines: polylines (split where points were dropped). Bands: [lower, upper].
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
        if let legend {
            switch legend.placement {
            case .hidden:
                break
            case .inside(let corner):
                legendOrigin = legend.origin(in: layout.plot, corner: corner)
            case .auto:
                legendOrigin = legend.freeCorner(in: layout.plot, avoiding: geometry)
                if legendOrigin == nil { fallthrough }
            case .outside:
                let available = size.height - layout.plot.y - 8
                let box = legend.boxSize(maxHeight: available)
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
            svg.text(TextMetrics.truncate(title, fontSize: Font.title, maxWidth: size.width - 16), [
                ("class", "chart-title"), ("x", svg.num(plot.x + plot.width / 2)), ("y", svg.num(12 + Font.title)),
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
        let right = 20 + rightExtra
        let plotWidth = max(40, size.width - left - right)
        let plot = Rect(x: left, y: top, width: plotWidth, height: plotHeight)
        let xMap = AxisMapping(scale: chart.x.scale, domain: xDomain, start: plot.x, end: plot.maxX)
        let yMap = AxisMapping(scale: chart.y.scale, domain: yDomain, start: plot.maxY, end: plot.y)
        var xTicks = Ticks.make(
            scale: chart.x.scale, domain: xDomain, targetCount: max(3, min(10, Int(plotWidth / 85))), format: chart.x.format)
        xTicks = thinLabels(xTicks, mapping: xMap) { TextMetrics.width($0, fontSize: Font.tick) + 8 }
        return Layout(plot: plot, xMap: xMap, yMap: yMap, xTicks: xTicks, yTicks: yTicks)
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

    // MARK: - Axes and grid

    private func drawGrid(_ layout: Layout, svg: SVGWriter) {
        let plot = layout.plot
        svg.open("g", [("class", "grid"), ("fill", "none")])
        for (ticks, isX) in [(layout.xTicks, true), (layout.yTicks, false)] {
            for tick in ticks {
                let map = isX ? layout.xMap : layout.yMap
                guard let p = map.pixel(tick.value) else { continue }
                let color = tick.isMajor ? "#e3e3e3" : "#f2f2f2"
                if isX {
                    svg.leaf("line", [
                        ("x1", svg.num(p)), ("y1", svg.num(plot.y)), ("x2", svg.num(p)), ("y2", svg.num(plot.maxY)),
                        ("stroke", color), ("stroke-width", "1"),
                    ])
                } else {
                    svg.leaf("line", [
                        ("x1", svg.num(plot.x)), ("y1", svg.num(p)), ("x2", svg.num(plot.maxX)), ("y2", svg.num(p)),
                        ("stroke", color), ("stroke-width", "1"),
                    ])
                }
            }
        }
        svg.close("g")
    }

    private func drawAxes(_ layout: Layout, svg: SVGWriter) {
        let plot = layout.plot
        let scaleName: (Scale) -> String = { $0 == .log10 ? "log10" : "linear" }

        svg.open("g", [("class", "axis x-axis"), ("data-scale", scaleName(chart.x.scale)), ("stroke", "#333333")])
        for tick in layout.xTicks {
            guard let p = layout.xMap.pixel(tick.value) else { continue }
            let length = tick.isMajor ? Self.tickLength : Self.minorTickLength
            svg.leaf("line", [
                ("class", tick.isMajor ? "tick major" : "tick minor"), ("data-value", "\(tick.value)"),
                ("x1", svg.num(p)), ("y1", svg.num(plot.maxY)), ("x2", svg.num(p)), ("y2", svg.num(plot.maxY + length)),
            ])
            if let label = tick.label {
                svg.text(label, [
                    ("class", "tick-label"), ("x", svg.num(p)), ("y", svg.num(plot.maxY + Self.tickLength + 3 + Font.tick * 0.85)),
                    ("text-anchor", "middle"), ("stroke", "none"), ("fill", "#222222"),
                ])
            }
        }
        if !chart.x.label.isEmpty {
            svg.text(chart.x.label, [
                ("class", "axis-label"), ("x", svg.num(plot.x + plot.width / 2)),
                ("y", svg.num(plot.maxY + Self.tickLength + 4 + Font.tick + 8 + Font.label * 0.8)),
                ("text-anchor", "middle"), ("font-size", svg.num(Font.label)), ("stroke", "none"), ("fill", "#111111"),
            ])
        }
        svg.close("g")

        svg.open("g", [("class", "axis y-axis"), ("data-scale", scaleName(chart.y.scale)), ("stroke", "#333333")])
        for tick in layout.yTicks {
            guard let p = layout.yMap.pixel(tick.value) else { continue }
            let length = tick.isMajor ? Self.tickLength : Self.minorTickLength
            svg.leaf("line", [
                ("class", tick.isMajor ? "tick major" : "tick minor"), ("data-value", "\(tick.value)"),
                ("x1", svg.num(plot.x - length)), ("y1", svg.num(p)), ("x2", svg.num(plot.x)), ("y2", svg.num(p)),
            ])
            if let label = tick.label {
                svg.text(label, [
                    ("class", "tick-label"), ("x", svg.num(plot.x - Self.tickLength - 4)), ("y", svg.num(p + Font.tick * 0.35)),
                    ("text-anchor", "end"), ("stroke", "none"), ("fill", "#222222"),
                ])
            }
        }
        if !chart.y.label.isEmpty {
            let x = 10 + Font.label * 0.8, y = plot.y + plot.height / 2
            svg.text(chart.y.label, [
                ("class", "axis-label"), ("x", svg.num(x)), ("y", svg.num(y)),
                ("transform", "rotate(-90 \(svg.num(x)) \(svg.num(y)))"),
                ("text-anchor", "middle"), ("font-size", svg.num(Font.label)), ("stroke", "none"), ("fill", "#111111"),
            ])
        }
        svg.close("g")
    }

    // MARK: - Series

    private func drawSeries(_ item: PixelGeometry.Item, svg: SVGWriter) {
        let p = item.prepared
        let s = p.series
        let color = p.color.hexString
        var attributes: [(String, String)] = [
            ("class", "series"), ("data-series", s.name), ("data-kind", s.content.kind),
            ("data-points", "\(item.pointCount)"),
        ]
        switch s.content {
        case .band:
            attributes += [("fill", color), ("fill-opacity", svg.num(s.opacity)), ("stroke", "none")]
            svg.open("g", attributes)
            if item.polylines.count == 2, item.polylines[0].count >= 2, item.polylines[1].count >= 2 {
                let outline = item.polylines[0] + item.polylines[1].reversed()
                svg.leaf("path", [("d", svg.pathData([outline], closed: true))])
            }
            svg.close("g")
        case .line, .horizontalLine, .identityLine:
            attributes += [
                ("fill", "none"), ("stroke", color), ("stroke-width", svg.num(s.lineWidth)),
                ("stroke-linejoin", "round"), ("stroke-linecap", "round"),
            ]
            if let dashes = p.dash.dashArray(lineWidth: s.lineWidth) { attributes.append(("stroke-dasharray", dashes)) }
            svg.open("g", attributes)
            let lines = item.polylines.filter { $0.count >= 2 }
            if !lines.isEmpty { svg.leaf("path", [("d", svg.pathData(lines))]) }
            // A one-point line is still data: show it as a dot rather than nothing.
            for single in item.polylines where single.count == 1 {
                svg.leaf("circle", [("cx", svg.num(single[0].x)), ("cy", svg.num(single[0].y)), ("r", svg.num(s.lineWidth + 1)), ("fill", color), ("stroke", "none")])
            }
            svg.close("g")
        case .scatter:
            attributes += [("fill", color), ("stroke", "#ffffff"), ("stroke-width", "0.8")]
            svg.open("g", attributes)
            let radius = s.markerRadius ?? 3.6
            for c in item.points {
                let (tag, shape) = MarkerShape.element(p.marker, at: c, radius: radius, svg: svg)
                svg.leaf(tag, shape)
            }
            svg.close("g")
        case .highlight:
            attributes += [("fill", color), ("stroke", "#111111"), ("stroke-width", "1.5")]
            svg.open("g", attributes)
            let radius = s.markerRadius ?? 6.5
            for c in item.points {
                let (tag, shape) = MarkerShape.element(p.marker, at: c, radius: radius, svg: svg)
                svg.leaf(tag, shape)
            }
            svg.close("g")
        }
    }

    // MARK: - Legend entries

    private func legendEntries(_ prepared: [Prepared]) -> [LegendEntry] {
        if let explicit = chart.legendEntries { return explicit }
        return prepared.filter(\.series.showsInLegend).map { p in
            let label = p.series.name
            switch p.series.content {
            case .line, .horizontalLine, .identityLine:
                return LegendEntry(label: label, color: p.color, line: p.dash)
            case .scatter:
                return LegendEntry(label: label, color: p.color, marker: p.marker)
            case .highlight:
                return LegendEntry(label: label, color: p.color, marker: p.marker, highlighted: true)
            case .band:
                return LegendEntry(label: label, color: p.color, band: true)
            }
        }
    }
}

/// Every series mapped to pixels once: used both to draw and to find a legend corner free of data.
struct PixelGeometry {
    struct Item {
        let prepared: PanelRenderer.Prepared
        /// 0 bands, 1 reference lines, 2 lines (clipped to the plot); 3 scatter, 4 highlights.
        let layer: Int
        var polylines: [[Point]] = []
        var points: [Point] = []
        /// Data points drawn (before pixel-level decimation of long lines).
        var pointCount: Int {
            switch prepared.series.content {
            case .line: return prepared.polylines.reduce(0) { $0 + $1.count }
            default: return polylines.reduce(0) { $0 + $1.count } + points.count
            }
        }
    }

    private(set) var items: [Item] = []

    init(prepared: [PanelRenderer.Prepared], layout: PanelRenderer.Layout, svg: SVGWriter) {
        let xMap = layout.xMap, yMap = layout.yMap
        func pixel(_ p: Point) -> Point? {
            guard let x = xMap.pixel(p.x), let y = yMap.pixel(p.y) else { return nil }
            return Point(x, y)
        }
        var unordered: [Item] = []
        for p in prepared {
            switch p.series.content {
            case .band:
                var item = Item(prepared: p, layer: 0)
                item.polylines = p.polylines.map { $0.compactMap(pixel) }
                unordered.append(item)
            case .horizontalLine(let y):
                var item = Item(prepared: p, layer: 1)
                if let py = yMap.pixel(y), yMap.contains(y) {
                    item.polylines = [[Point(layout.plot.x, py), Point(layout.plot.maxX, py)]]
                }
                unordered.append(item)
            case .identityLine:
                var item = Item(prepared: p, layer: 1)
                item.polylines = [Self.identity(xMap: xMap, yMap: yMap).compactMap(pixel)]
                unordered.append(item)
            case .line:
                var item = Item(prepared: p, layer: 2)
                item.polylines = p.polylines.map { Self.decimate($0.compactMap(pixel)) }
                unordered.append(item)
            case .scatter, .highlight:
                var isHighlight = false
                if case .highlight = p.series.content { isHighlight = true }
                var item = Item(prepared: p, layer: isHighlight ? 4 : 3)
                item.points = p.points.filter { xMap.contains($0.x) && yMap.contains($0.y) }.compactMap(pixel)
                unordered.append(item)
            }
        }
        // Stable sort by layer keeps the caller's order within a layer.
        items = unordered.enumerated().sorted { ($0.element.layer, $0.offset) < ($1.element.layer, $1.offset) }.map(\.element)
    }

    /// Long training curves have many points per pixel column: keep each column's first, lowest,
    /// highest and last point (in order), which draws the same picture with far fewer points.
    static func decimate(_ line: [Point]) -> [Point] {
        guard line.count > 2000 else { return line }
        var out: [Point] = []
        out.reserveCapacity(4096)
        var start = 0
        while start < line.count {
            let column = line[start].x.rounded(.down)
            var end = start + 1
            var lowest = start, highest = start
            while end < line.count && line[end].x.rounded(.down) == column {
                if line[end].y < line[lowest].y { lowest = end }
                if line[end].y > line[highest].y { highest = end }
                end += 1
            }
            var keep = [start, lowest, highest, end - 1]
            keep.sort()
            var previous = -1
            for i in keep where i != previous {
                out.append(line[i])
                previous = i
            }
            start = end
        }
        return out
    }

    /// y = x over the part of the plot where both axes overlap; sampled when the scales differ
    /// (then it is a curve on screen).
    private static func identity(xMap: AxisMapping, yMap: AxisMapping) -> [Point] {
        let lo = max(xMap.domain.lowerBound, yMap.domain.lowerBound)
        let hi = min(xMap.domain.upperBound, yMap.domain.upperBound)
        guard lo < hi else { return [] }
        if xMap.scale == yMap.scale { return [Point(lo, lo), Point(hi, hi)] }
        let n = 96
        let t0 = xMap.scale.transform(lo), t1 = xMap.scale.transform(hi)
        return (0...n).map { i in
            let v = xMap.scale.inverse(t0 + (t1 - t0) * Double(i) / Double(n))
            return Point(v, v)
        }
    }

    /// How much drawn data a legend box at `rect` would cover.
    func overlap(_ rect: Rect) -> Int {
        var count = 0
        for item in items {
            let pad = item.layer >= 3 ? (item.prepared.series.markerRadius ?? (item.layer == 4 ? 8 : 4)) : 1
            let r = rect.insetBy(-pad)
            for p in item.points where r.contains(p) { count += 1 }
            for line in item.polylines {
                for (a, b) in zip(line, line.dropFirst()) where r.intersects(a, b) { count += 1 }
                if line.count == 1, r.contains(line[0]) { count += 1 }
            }
        }
        return count
    }
}
