import Foundation

/// Sizes, places and draws a legend box: one row per entry, extra columns when rows don't fit.
struct LegendLayout {
    let entries: [LegendEntry]
    let title: String?
    let placement: LegendPlacement

    static let font = 12.0
    static let rowHeight = 18.0
    static let swatchWidth = 26.0
    static let gap = 6.0
    static let padding = 7.0
    static let columnGap = 14.0
    static let maxLabelWidth = 220.0

    /// Nil when there is nothing to show.
    init?(entries: [LegendEntry], title: String?, placement: LegendPlacement) {
        guard !entries.isEmpty, placement != .hidden else { return nil }
        self.entries = entries.map { entry in
            var e = entry
            e.label = TextMetrics.truncate(entry.label, fontSize: Self.font, maxWidth: Self.maxLabelWidth)
            return e
        }
        self.title = title.map { TextMetrics.truncate($0, fontSize: Self.font, maxWidth: Self.maxLabelWidth + Self.swatchWidth) }
        self.placement = placement
    }

    struct Box {
        var width: Double
        var height: Double
        var columns: Int
        var rows: Int
        var columnWidth: Double
    }

    private var titleHeight: Double { title == nil ? 0 : Self.rowHeight }

    func boxSize(maxHeight: Double) -> Box {
        let available = maxHeight - 2 * Self.padding - titleHeight
        let rowsThatFit = max(1, Int(available / Self.rowHeight))
        let columns = max(1, (entries.count + rowsThatFit - 1) / rowsThatFit)
        let rows = (entries.count + columns - 1) / columns
        let textWidth = entries.map { TextMetrics.width($0.label, fontSize: Self.font) }.max() ?? 0
        let columnWidth = Self.swatchWidth + Self.gap + textWidth
        var width = 2 * Self.padding + Double(columns) * columnWidth + Double(columns - 1) * Self.columnGap
        if let title { width = max(width, 2 * Self.padding + TextMetrics.width(title, fontSize: Self.font) * 1.08) }
        let height = 2 * Self.padding + titleHeight + Double(rows) * Self.rowHeight
        return Box(width: width, height: height, columns: columns, rows: rows, columnWidth: columnWidth)
    }

    /// Top-left corner of the box in `corner` of the plot, or nil if it doesn't fit in one column.
    func origin(in plot: Rect, corner: LegendPlacement.Corner) -> Point? {
        let box = boxSize(maxHeight: plot.height - 16)
        guard box.columns == 1, box.width <= plot.width * 0.6 else { return nil }
        let inset = 8.0
        let left = plot.x + inset, right = plot.maxX - inset - box.width
        let top = plot.y + inset, bottom = plot.maxY - inset - box.height
        switch corner {
        case .topRight: return Point(right, top)
        case .topLeft: return Point(left, top)
        case .bottomRight: return Point(right, bottom)
        case .bottomLeft: return Point(left, bottom)
        }
    }

    /// The first corner (top right, top left, bottom right, bottom left) where the box covers no
    /// drawn data, or nil.
    func freeCorner(in plot: Rect, avoiding geometry: PixelGeometry) -> Point? {
        let box = boxSize(maxHeight: plot.height - 16)
        for corner in LegendPlacement.Corner.allCases {
            guard let origin = origin(in: plot, corner: corner) else { return nil }
            let rect = Rect(x: origin.x, y: origin.y, width: box.width, height: box.height).insetBy(-3)
            if geometry.overlap(rect) == 0 { return origin }
        }
        return nil
    }

    func draw(at origin: Point, maxHeight: Double, svg: SVGWriter) {
        let box = boxSize(maxHeight: maxHeight)
        svg.open("g", [("class", "legend"), ("font-size", svg.num(Self.font))])
        svg.leaf("rect", [
            ("x", svg.num(origin.x)), ("y", svg.num(origin.y)), ("width", svg.num(box.width)), ("height", svg.num(box.height)),
            ("fill", "#ffffff"), ("fill-opacity", "0.9"), ("stroke", "#bbbbbb"), ("stroke-width", "1"), ("rx", "3"),
        ])
        var top = origin.y + Self.padding
        if let title {
            svg.text(title, [
                ("class", "legend-title"), ("x", svg.num(origin.x + Self.padding)), ("y", svg.num(top + Self.rowHeight / 2 + Self.font * 0.35)),
                ("font-weight", "bold"), ("fill", "#111111"),
            ])
            top += Self.rowHeight
        }
        for (i, entry) in entries.enumerated() {
            let column = i / box.rows, row = i % box.rows
            let x = origin.x + Self.padding + Double(column) * (box.columnWidth + Self.columnGap)
            let centerY = top + Double(row) * Self.rowHeight + Self.rowHeight / 2
            svg.open("g", [("class", "legend-entry"), ("data-label", entry.label)])
            drawSwatch(entry, x: x, centerY: centerY, svg: svg)
            svg.text(entry.label, [
                ("x", svg.num(x + Self.swatchWidth + Self.gap)), ("y", svg.num(centerY + Self.font * 0.35)), ("fill", "#111111"),
            ])
            svg.close("g")
        }
        svg.close("g")
    }

    private func drawSwatch(_ entry: LegendEntry, x: Double, centerY: Double, svg: SVGWriter) {
        let color = entry.color.hexString
        let w = Self.swatchWidth
        if entry.band {
            svg.leaf("rect", [
                ("x", svg.num(x)), ("y", svg.num(centerY - 5)), ("width", svg.num(w)), ("height", "10"),
                ("fill", color), ("fill-opacity", "0.25"), ("stroke", "none"),
            ])
        }
        if let dash = entry.line {
            var attributes: [(String, String)] = [
                ("x1", svg.num(x)), ("y1", svg.num(centerY)), ("x2", svg.num(x + w)), ("y2", svg.num(centerY)),
                ("stroke", color), ("stroke-width", "1.8"),
            ]
            if let dashes = dash.dashArray(lineWidth: 1.8) { attributes.append(("stroke-dasharray", dashes)) }
            svg.leaf("line", attributes)
        }
        if let marker = entry.marker {
            let radius = entry.highlighted ? 5.5 : 3.6
            var (tag, attributes) = MarkerShape.element(marker, at: Point(x + w / 2, centerY), radius: radius, svg: svg)
            attributes += entry.highlighted
                ? [("fill", color), ("stroke", "#111111"), ("stroke-width", "1.5")]
                : [("fill", color), ("stroke", "#ffffff"), ("stroke-width", "0.8")]
            svg.leaf(tag, attributes)
        }
    }
}
