import Foundation

/// One axis: label, scale, optional fixed range and tick label style.
public struct Axis: Sendable {
    public var label: String
    public var scale: Scale
    /// Fixed data range; nil fits the data (padded by 4% of the span, in log space on log axes).
    public var range: ClosedRange<Double>?
    public var format: TickFormat

    public init(_ label: String = "", scale: Scale = .linear, range: ClosedRange<Double>? = nil, format: TickFormat = .auto) {
        self.label = label
        self.scale = scale
        self.range = range
        self.format = format
    }
}

/// A single chart: two axes, series, title and legend. Render it alone or as a panel of a `Figure`.
public struct Chart: Sendable {
    public var title: String?
    public var x: Axis
    public var y: Axis
    /// Drawn in this order within each layer (bands, reference lines, lines, markers, highlights).
    public var series: [Series]
    public var legend: LegendPlacement
    public var legendTitle: String?
    /// Nil: one entry per series with `showsInLegend`, drawn like the series.
    public var legendEntries: [LegendEntry]?

    public init(
        title: String? = nil, x: Axis, y: Axis, series: [Series] = [], legend: LegendPlacement = .auto,
        legendTitle: String? = nil, legendEntries: [LegendEntry]? = nil
    ) {
        self.title = title
        self.x = x
        self.y = y
        self.series = series
        self.legend = legend
        self.legendTitle = legendTitle
        self.legendEntries = legendEntries
    }

    /// The chart as a standalone SVG document.
    public func render(size: Size = .standard) throws -> RenderedSVG {
        try Figure(panels: [self], columns: 1, panelSize: size).render()
    }

    /// Renders and writes atomically (temp file + rename); creates missing parent directories.
    @discardableResult
    public func write(to url: URL, size: Size = .standard) throws -> RenderedSVG {
        try Figure(panels: [self], columns: 1, panelSize: size).write(to: url)
    }
}

/// Several charts side by side in one SVG (e.g. predicted-vs-observed next to residuals).
public struct Figure: Sendable {
    public var title: String?
    public var panels: [Chart]
    public var columns: Int
    public var panelSize: Size

    public init(title: String? = nil, panels: [Chart], columns: Int? = nil, panelSize: Size = .standard) {
        self.title = title
        self.panels = panels
        self.columns = columns ?? max(1, panels.count)
        self.panelSize = panelSize
    }

    public var size: Size {
        let cols = max(1, min(columns, panels.count))
        let rows = (panels.count + cols - 1) / cols
        return Size(width: Double(cols) * panelSize.width, height: Double(rows) * panelSize.height + titleHeight)
    }

    private var titleHeight: Double { title == nil ? 0 : 34 }

    public func render() throws -> RenderedSVG {
        guard !panels.isEmpty else { throw PlotError.invalidArgument("figure has no panels") }
        guard columns >= 1 else { throw PlotError.invalidArgument("figure needs at least 1 column, got \(columns)") }
        guard panelSize.width.isFinite, panelSize.height.isFinite, panelSize.width >= 160, panelSize.height >= 120
        else {
            throw PlotError.invalidArgument(
                "chart size must be at least 160×120 pixels, got \(panelSize.width)×\(panelSize.height)")
        }
        let svg = SVGWriter()
        let total = size
        let w = svg.num(total.width), h = svg.num(total.height)
        svg.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        svg.open("svg", [
            ("xmlns", "http://www.w3.org/2000/svg"), ("width", w), ("height", h), ("viewBox", "0 0 \(w) \(h)"),
            ("font-family", "sans-serif"), ("font-size", "12"),
        ])
        if let documentTitle = title ?? (panels.count == 1 ? panels[0].title : nil) {
            svg.text(documentTitle, tag: "title")
        }
        svg.leaf("rect", [("x", "0"), ("y", "0"), ("width", w), ("height", h), ("fill", "#ffffff")])
        if let title {
            svg.text(title, [
                ("class", "figure-title"), ("x", svg.num(total.width / 2)), ("y", "23"), ("text-anchor", "middle"),
                ("font-size", "17"), ("font-weight", "bold"),
            ])
        }
        var notes: [String] = []
        let cols = min(columns, panels.count)
        for (index, chart) in panels.enumerated() {
            let origin = Point(Double(index % cols) * panelSize.width, Double(index / cols) * panelSize.height + titleHeight)
            let name = chart.title.map { "'\($0)'" } ?? (panels.count > 1 ? "panel \(index + 1)" : "(untitled)")
            var renderer = PanelRenderer(chart: chart, size: panelSize, id: "p\(index)", displayName: name)
            svg.open("g", [
                ("class", "panel"), ("id", "p\(index)"),
                ("transform", "translate(\(svg.num(origin.x)) \(svg.num(origin.y)))"),
            ])
            try renderer.draw(into: svg)
            svg.close("g")
            notes += renderer.notes.map { panels.count > 1 ? "\(name): \($0)" : $0 }
        }
        for note in notes { svg.text(note, tag: "desc", [("class", "note")]) }
        svg.close("svg")
        guard svg.nonFiniteCount == 0 else {
            // Every coordinate is checked before it is written; reaching this is a renderer bug.
            throw PlotError.invalidArgument("internal error: \(svg.nonFiniteCount) non-finite coordinates while rendering")
        }
        return RenderedSVG(svg: svg.output, notes: notes)
    }

    /// Renders and writes atomically (temp file + rename); creates missing parent directories.
    @discardableResult
    public func write(to url: URL) throws -> RenderedSVG {
        let rendered = try render()
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(rendered.svg.utf8).write(to: url, options: .atomic)
        } catch {
            throw PlotError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
        return rendered
    }
}
