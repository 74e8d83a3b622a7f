import Foundation

/// High-level chart builders taking plain data. Each returns a `Chart` (or `Figure`) the caller
/// may still adjust (size, ranges, title) before `render` / `write(to:)`.
public enum Charts {
    /// `count` points of `f` over `range`, evenly spaced in the given scale (log-spaced for
    /// `.log10`), e.g. a fitted parabola in log N or a power law in C.
    public static func sample(
        _ range: ClosedRange<Double>, count: Int = 120, scale: Scale = .log10, _ f: (Double) -> Double
    ) -> [Point] {
        guard count >= 2, scale.accepts(range.lowerBound), scale.accepts(range.upperBound) else { return [] }
        let t0 = scale.transform(range.lowerBound), t1 = scale.transform(range.upperBound)
        return (0..<count).map { i in
            let x = scale.inverse(t0 + (t1 - t0) * Double(i) / Double(count - 1))
            return Point(x, f(x))
        }
    }
}

// MARK: - IsoFLOP curves

/// One compute budget of an isoFLOP sweep.
public struct IsoFLOPCurve: Sendable {
    /// The budget C in FLOPs (orders the colours; labels the legend).
    public var budget: Double
    /// Measured (N or D, loss) points.
    public var points: [Point]
    /// The fitted parabola sampled as (x, loss), e.g. with `Charts.sample`; may be empty.
    public var fit: [Point]
    /// The fitted optimum, drawn as a highlighted star.
    public var minimum: Point?
    /// Legend label; default "C = 1e15".
    public var label: String?
    /// ± error per point (e.g. the std of its seeds), drawn as error bars; nil entries get none.
    public var errors: [Double?]

    public init(budget: Double, points: [Point], fit: [Point] = [], minimum: Point? = nil, label: String? = nil,
                errors: [Double?] = []) {
        self.budget = budget
        self.points = points
        self.fit = fit
        self.minimum = minimum
        self.label = label
        self.errors = errors
    }

    /// The error bars of the points that have an error.
    var errorBars: [ErrorBar] {
        zip(points, errors).compactMap { p, e in e.map { ErrorBar(x: p.x, y: p.y, plusMinus: $0) } }
    }
}

extension Charts {
    /// Loss vs model size (log x) per FLOP budget: each budget's runs as markers, its fitted
    /// parabola as a line, its minimum as an outlined star. Budgets are coloured in order.
    public static func isoFLOP(
        _ curves: [IsoFLOPCurve], title: String? = "IsoFLOP curves", xLabel: String = "Parameters N",
        yLabel: String = "Loss", xFormat: TickFormat = .si, yScale: Scale = .linear, coloring: Coloring = .sequential,
        connectMinima: Bool = false
    ) -> Chart {
        let sorted = curves.sorted { $0.budget < $1.budget }
        let colors = Palette.colors(sorted.count, coloring)
        var series: [Series] = []
        var entries: [LegendEntry] = []
        var minima: [Point] = []
        for (i, curve) in sorted.enumerated() {
            let label = curve.label ?? TickFormat.budgetLabel(curve.budget)
            let marker = Palette.marker(i, coloring: coloring)
            if !curve.fit.isEmpty {
                series.append(.line("\(label) fit", curve.fit, color: colors[i], dash: .solid, lineWidth: 1.6, inLegend: false))
            }
            if !curve.errorBars.isEmpty {
                series.append(.errorBars("\(label) ±1 std", curve.errorBars, color: colors[i]))
            }
            series.append(.scatter(label, curve.points, color: colors[i], marker: marker, radius: 4, inLegend: false))
            entries.append(LegendEntry(label: label, color: colors[i], line: curve.fit.isEmpty ? nil : .solid, marker: marker))
            if let minimum = curve.minimum { minima.append(minimum) }
        }
        // Minima last so no later budget's line is drawn over them.
        for (i, curve) in sorted.enumerated() {
            guard let minimum = curve.minimum else { continue }
            let label = curve.label ?? TickFormat.budgetLabel(curve.budget)
            series.append(.highlight("\(label) minimum", [minimum], color: colors[i], marker: .star, inLegend: false))
        }
        if connectMinima && minima.count >= 2 {
            series.insert(
                .line("minima", minima.sorted { $0.x < $1.x }, color: Color(hex: 0x444444), dash: .dotted, lineWidth: 1.4, inLegend: false),
                at: 0)
        }
        if !minima.isEmpty {
            entries.append(LegendEntry(label: "fitted minimum", color: Color(hex: 0xBBBBBB), marker: .star, highlighted: true))
        }
        return Chart(
            title: title, x: Axis(xLabel, scale: .log10, format: xFormat), y: Axis(yLabel, scale: yScale),
            series: series, legend: .auto, legendTitle: "Compute budget", legendEntries: entries)
    }
}

// MARK: - Compute-optimal frontier

/// One quantity on a frontier chart, e.g. N_opt or D_opt against C.
public struct FrontierSeries: Sendable {
    /// Legend label of the measured points, e.g. "N_opt".
    public var name: String
    /// Measured optima (C, value), e.g. the isoFLOP minima.
    public var points: [Point]
    /// The fitted power law sampled over C (e.g. `Charts.sample(cRange) { a * pow($0, b) }`).
    public var fit: [Point]
    /// Legend label of the fit, e.g. "N_opt ∝ C^0.50"; default "<name> fit".
    public var fitLabel: String?
    /// Interval around the fit (e.g. bootstrap 5–95%), sampled at the same C as `fit`.
    public var band: Band?
    /// Legend label of the band; default "<name> interval".
    public var bandLabel: String?
    /// Nil: the next qualitative palette colour.
    public var color: Color?

    public init(
        name: String, points: [Point], fit: [Point] = [], fitLabel: String? = nil, band: Band? = nil,
        bandLabel: String? = nil, color: Color? = nil
    ) {
        self.name = name
        self.points = points
        self.fit = fit
        self.fitLabel = fitLabel
        self.band = band
        self.bandLabel = bandLabel
        self.color = color
    }
}

extension Charts {
    /// Optimal size (and/or tokens) vs compute on log-log axes: interval band, fitted power law,
    /// measured optima.
    public static func frontier(
        _ quantities: [FrontierSeries], title: String? = "Compute-optimal allocation",
        xLabel: String = "Compute C (FLOPs)", yLabel: String = "Compute-optimal value", xFormat: TickFormat = .scientific,
        yFormat: TickFormat = .auto
    ) -> Chart {
        var series: [Series] = []
        for (i, q) in quantities.enumerated() {
            let color = q.color ?? Palette.qualitative[i % Palette.qualitative.count]
            let marker = Marker.cycle[i % Marker.cycle.count]
            if let band = q.band {
                series.append(.band(q.bandLabel ?? "\(q.name) interval", lower: band.lower, upper: band.upper, color: color, opacity: 0.18))
            }
            if !q.fit.isEmpty {
                series.append(.line(q.fitLabel ?? "\(q.name) fit", q.fit, color: color, dash: .solid))
            }
            series.append(
                Series(name: q.name, content: .highlight(q.points), color: color, marker: marker, markerRadius: 5))
        }
        return Chart(
            title: title, x: Axis(xLabel, scale: .log10, format: xFormat), y: Axis(yLabel, scale: .log10, format: yFormat),
            series: series, legend: .auto)
    }
}

// MARK: - Loss curves

/// A named curve, e.g. one run's loss against tokens.
public struct Curve: Sendable {
    public var name: String
    public var points: [Point]
    public init(name: String, points: [Point]) {
        self.name = name
        self.points = points
    }
}

extension Charts {
    /// Loss (or any metric) against tokens/FLOPs/steps for several runs, one line each.
    public static func lossCurves(
        _ curves: [Curve], title: String? = nil, xLabel: String = "Tokens", yLabel: String = "Loss",
        xScale: Scale = .log10, yScale: Scale = .linear, xFormat: TickFormat = .auto, coloring: Coloring = .qualitative
    ) -> Chart {
        let colors = Palette.colors(curves.count, coloring)
        let series = curves.enumerated().map { i, curve in
            // Past the palette, dashes keep runs apart (colours repeat).
            Series.line(curve.name, curve.points, color: colors[i], dash: Palette.dash(i), lineWidth: 1.5)
        }
        return Chart(
            title: title, x: Axis(xLabel, scale: xScale, format: xFormat), y: Axis(yLabel, scale: yScale),
            series: series, legend: .auto)
    }
}
