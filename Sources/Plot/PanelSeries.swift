import Foundation

/// Drawing each kind of series, and the legend entries they imply.
extension PanelRenderer {
    func drawSeries(_ item: PixelGeometry.Item, svg: SVGWriter) {
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
        case .errorBars:
            attributes += [("fill", "none"), ("stroke", color), ("stroke-width", svg.num(s.lineWidth)), ("stroke-linecap", "butt")]
            svg.open("g", attributes)
            // Each bar: the vertical line and a 6 px cap at each end, one path per bar.
            let bars = item.polylines.map { bar -> [[Point]] in
                let (a, b) = (bar[0], bar[1])
                return [[a, b], [Point(a.x - 3, a.y), Point(a.x + 3, a.y)], [Point(b.x - 3, b.y), Point(b.x + 3, b.y)]]
            }
            for bar in bars { svg.leaf("path", [("d", svg.pathData(bar))]) }
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

    func legendEntries(_ prepared: [Prepared]) -> [LegendEntry] {
        if let explicit = chart.legendEntries { return explicit }
        return prepared.filter(\.series.showsInLegend).map { p in
            let label = p.series.name
            switch p.series.content {
            case .line, .horizontalLine, .identityLine, .errorBars:
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
