/// Plot: hand-written SVG charts for scaling-law work (Foundation, plus RunSchema for the run
/// and sweep file layout and the one metrics.jsonl reader).
///
/// The module owns the chart model (`Chart`, `Figure`, `Series` — lines, markers, bands, error
/// bars, reference lines — `Axis`), linear and log10 scales
/// with readable ticks (`Ticks`, `TickFormat`), a colour/marker/dash vocabulary (`Palette`), the SVG
/// writer, and high-level builders (`Charts.isoFLOP`, `.frontier`, `.lossCurves`,
/// `.predictedVsObserved`, `.residuals`, `.fitDiagnostics`) that take plain arrays, so it knows
/// nothing of tensors or of the ScalingLaws types. `MetricsLog` turns a run's `metrics.jsonl`
/// (RunSchema's `MetricsFile`) into curves for `windtunnel plot curves`.
import Foundation

/// A data point in axis (data) coordinates.
public struct Point: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
    public init(x: Double, y: Double) {
        self.init(x, y)
    }
}

/// Pixel size of a chart or of one panel of a figure.
public struct Size: Sendable, Hashable {
    public var width: Double
    public var height: Double
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }
    public static let standard = Size(width: 720, height: 480)
}

/// A rendered SVG document plus what the renderer had to leave out (points dropped from log axes,
/// non-finite values, points outside an explicit range), one human-readable line each.
public struct RenderedSVG: Sendable {
    public let svg: String
    public let notes: [String]
}

public enum PlotError: Error, CustomStringConvertible, Equatable {
    /// A chart with no series at all.
    case noSeries(chart: String)
    /// Series exist but every point was dropped (non-finite, or non-positive on a log axis).
    case noPlottableData(chart: String, detail: String)
    /// A builder or chart got inconsistent arguments (mismatched lengths, bad size...).
    case invalidArgument(String)
    /// Input files for `MetricsLog` (missing, unreadable, no usable points).
    case input(String)
    /// Writing the SVG file failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .noSeries(let chart):
            return "chart \(chart) has no series to draw"
        case .noPlottableData(let chart, let detail):
            return "chart \(chart) has no plottable points (\(detail))"
        case .invalidArgument(let message), .input(let message):
            return message
        case .writeFailed(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
