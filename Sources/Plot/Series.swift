import Foundation

/// A filled area between two curves (e.g. a bootstrap interval). The polygon runs along `lower`
/// and back along `upper`, so both should be ordered by x.
public struct Band: Sendable, Hashable {
    public var lower: [Point]
    public var upper: [Point]
    public init(lower: [Point], upper: [Point]) {
        self.lower = lower
        self.upper = upper
    }
}

/// A vertical error bar at x from `low` to `high` (e.g. the mean ± 1 std of a point's seeds).
public struct ErrorBar: Sendable, Hashable {
    public var x: Double
    public var low: Double
    public var high: Double
    public init(x: Double, low: Double, high: Double) {
        self.x = x
        self.low = low
        self.high = high
    }

    /// The bar y ± delta at x.
    public init(x: Double, y: Double, plusMinus delta: Double) {
        self.init(x: x, low: y - delta, high: y + delta)
    }
}

/// One thing drawn in a chart. In the SVG each series is a `<g class="series"
/// data-series="name" data-kind="line|scatter|highlight|band|hline|identity|errorbars">`.
public struct Series: Sendable {
    public enum Content: Sendable {
        /// A polyline through the points in order (broken where a point cannot be drawn).
        case line([Point])
        /// One marker per point.
        case scatter([Point])
        /// Larger markers with a dark outline: minima, optima, chosen points.
        case highlight([Point])
        /// A semi-transparent filled area.
        case band(Band)
        /// Vertical bars with caps, drawn under the markers (a bar an axis cannot place is left out).
        case errorBars([ErrorBar])
        /// A horizontal reference line across the plot (residual zero line); its y is kept in range.
        case horizontalLine(y: Double)
        /// The y = x reference line (predicted vs observed); it does not widen the axes.
        case identityLine

        var kind: String {
            switch self {
            case .line: return "line"
            case .scatter: return "scatter"
            case .highlight: return "highlight"
            case .band: return "band"
            case .errorBars: return "errorbars"
            case .horizontalLine: return "hline"
            case .identityLine: return "identity"
            }
        }

        var isReference: Bool {
            switch self {
            case .horizontalLine, .identityLine: return true
            default: return false
            }
        }
    }

    /// Legend label and stable id (`data-series`).
    public var name: String
    public var content: Content
    /// Nil: the chart assigns the next palette colour (reference lines default to grey).
    public var color: Color?
    /// Nil: circle, or a shape chosen by index when series outnumber the palette.
    public var marker: Marker?
    /// Nil: solid, or a pattern chosen by index when series outnumber the palette (reference
    /// lines default to dashed).
    public var dash: Dash?
    public var lineWidth: Double
    /// Marker radius in pixels (nil: 3.6 for scatter, 6.5 for highlights).
    public var markerRadius: Double?
    /// Fill opacity for bands.
    public var opacity: Double
    /// Whether the automatic legend lists this series.
    public var showsInLegend: Bool

    public init(
        name: String, content: Content, color: Color? = nil, marker: Marker? = nil, dash: Dash? = nil,
        lineWidth: Double = 1.8, markerRadius: Double? = nil, opacity: Double = 0.2, showsInLegend: Bool = true
    ) {
        self.name = name
        self.content = content
        self.color = color
        self.marker = marker
        self.dash = dash
        self.lineWidth = lineWidth
        self.markerRadius = markerRadius
        self.opacity = opacity
        self.showsInLegend = showsInLegend
    }

    public static func line(
        _ name: String, _ points: [Point], color: Color? = nil, dash: Dash? = nil, lineWidth: Double = 1.8,
        inLegend: Bool = true
    ) -> Series {
        Series(name: name, content: .line(points), color: color, dash: dash, lineWidth: lineWidth, showsInLegend: inLegend)
    }

    public static func scatter(
        _ name: String, _ points: [Point], color: Color? = nil, marker: Marker? = nil, radius: Double? = nil,
        inLegend: Bool = true
    ) -> Series {
        Series(name: name, content: .scatter(points), color: color, marker: marker, markerRadius: radius, showsInLegend: inLegend)
    }

    public static func highlight(
        _ name: String, _ points: [Point], color: Color? = nil, marker: Marker? = nil, inLegend: Bool = true
    ) -> Series {
        Series(name: name, content: .highlight(points), color: color, marker: marker, showsInLegend: inLegend)
    }

    public static func band(
        _ name: String, lower: [Point], upper: [Point], color: Color? = nil, opacity: Double = 0.2,
        inLegend: Bool = true
    ) -> Series {
        Series(name: name, content: .band(Band(lower: lower, upper: upper)), color: color, opacity: opacity, showsInLegend: inLegend)
    }

    /// Error bars; not in the legend by default (they belong to the markers they sit on).
    public static func errorBars(_ name: String, _ bars: [ErrorBar], color: Color? = nil, lineWidth: Double = 1.2,
                                 inLegend: Bool = false) -> Series {
        Series(name: name, content: .errorBars(bars), color: color, lineWidth: lineWidth, showsInLegend: inLegend)
    }

    public static func horizontalLine(_ name: String = "y = 0", y: Double = 0, inLegend: Bool = false) -> Series {
        Series(name: name, content: .horizontalLine(y: y), lineWidth: 1.2, showsInLegend: inLegend)
    }

    public static func identityLine(_ name: String = "y = x", inLegend: Bool = true) -> Series {
        Series(name: name, content: .identityLine, lineWidth: 1.2, showsInLegend: inLegend)
    }
}

/// One legend row: a swatch (any of line sample, band patch, marker) and a label.
public struct LegendEntry: Sendable, Hashable {
    public var label: String
    public var color: Color
    /// Draw a line sample with this dash (nil: no line).
    public var line: Dash?
    public var marker: Marker?
    /// Marker drawn large with a dark outline, as for `.highlight` series.
    public var highlighted: Bool
    /// Draw a filled patch, as for `.band` series.
    public var band: Bool

    public init(
        label: String, color: Color, line: Dash? = nil, marker: Marker? = nil, highlighted: Bool = false,
        band: Bool = false
    ) {
        self.label = label
        self.color = color
        self.line = line
        self.marker = marker
        self.highlighted = highlighted
        self.band = band
    }
}

public enum LegendPlacement: Sendable, Hashable {
    public enum Corner: Sendable, Hashable, CaseIterable {
        case topRight, topLeft, bottomRight, bottomLeft
    }
    /// Inside the plot in the first corner free of data, else outside to the right.
    case auto
    /// To the right of the plot area (never covers data).
    case outside
    case inside(Corner)
    case hidden
}
