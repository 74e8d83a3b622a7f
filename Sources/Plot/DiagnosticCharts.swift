import Foundation

/// Observed vs predicted values of one group of points (e.g. one FLOP budget, or all runs).
public struct PredictionGroup: Sendable {
    public var name: String
    public var observed: [Double]
    public var predicted: [Double]
    public init(name: String, observed: [Double], predicted: [Double]) {
        self.name = name
        self.observed = observed
        self.predicted = predicted
    }
}

/// Residuals of one group against an explanatory variable (N, D, C...).
public struct ResidualGroup: Sendable {
    public var name: String
    public var x: [Double]
    public var residuals: [Double]
    public init(name: String, x: [Double], residuals: [Double]) {
        self.name = name
        self.x = x
        self.residuals = residuals
    }
}

/// Everything both diagnostic panels need for one group of points.
public struct DiagnosticGroup: Sendable {
    public var name: String
    /// The variable residuals are plotted against (e.g. N for each run).
    public var variable: [Double]
    public var observed: [Double]
    public var predicted: [Double]
    public init(name: String, variable: [Double], observed: [Double], predicted: [Double]) {
        self.name = name
        self.variable = variable
        self.observed = observed
        self.predicted = predicted
    }
}

public enum ResidualKind: Sendable {
    /// observed − predicted.
    case difference
    /// log(observed) − log(predicted), the scale the Chinchilla-style fits minimise on.
    case logRatio
}

extension Charts {
    /// Predicted (y) against observed (x) with the y = x line; both axes share one range.
    public static func predictedVsObserved(
        _ groups: [PredictionGroup], title: String? = "Predicted vs observed", quantity: String = "loss",
        scale: Scale = .linear
    ) throws -> Chart {
        var series: [Series] = []
        var values: [Double] = []
        for (i, g) in groups.enumerated() {
            guard g.observed.count == g.predicted.count else {
                throw PlotError.invalidArgument(
                    "group '\(g.name)': \(g.observed.count) observed values but \(g.predicted.count) predicted")
            }
            series.append(.scatter(g.name, zip(g.observed, g.predicted).map { Point($0, $1) },
                                   color: Palette.qualitative[i % Palette.qualitative.count], marker: Palette.marker(i), radius: 4))
            values += (g.observed + g.predicted).filter(scale.accepts)
        }
        series.append(.identityLine("y = x", inLegend: groups.count > 1))
        var x = Axis("Observed \(quantity)", scale: scale)
        var y = Axis("Predicted \(quantity)", scale: scale)
        if let lo = values.min(), let hi = values.max() {
            let shared = scale.paddedDomain(lo: lo, hi: hi, padding: 0.05)
            x.range = shared
            y.range = shared
        }
        return Chart(title: title, x: x, y: y, series: series, legend: groups.count > 1 ? .auto : .hidden)
    }

    /// Residuals against a variable, with the zero line.
    public static func residuals(
        _ groups: [ResidualGroup], title: String? = "Residuals", xLabel: String = "Parameters N", xScale: Scale = .log10,
        xFormat: TickFormat = .auto, yLabel: String = "Residual"
    ) throws -> Chart {
        var series: [Series] = [.horizontalLine("zero", y: 0)]
        for (i, g) in groups.enumerated() {
            guard g.x.count == g.residuals.count else {
                throw PlotError.invalidArgument("group '\(g.name)': \(g.x.count) x values but \(g.residuals.count) residuals")
            }
            series.append(.scatter(g.name, zip(g.x, g.residuals).map { Point($0, $1) },
                                   color: Palette.qualitative[i % Palette.qualitative.count], marker: Palette.marker(i), radius: 4))
        }
        return Chart(
            title: title, x: Axis(xLabel, scale: xScale, format: xFormat), y: Axis(yLabel, scale: .linear),
            series: series, legend: groups.count > 1 ? .auto : .hidden)
    }

    /// Both diagnostics side by side in one SVG: predicted vs observed, and residuals vs `variable`.
    public static func fitDiagnostics(
        _ groups: [DiagnosticGroup], title: String? = "Fit diagnostics", quantity: String = "loss",
        variableLabel: String = "Parameters N", variableScale: Scale = .log10, variableFormat: TickFormat = .auto,
        residual: ResidualKind = .logRatio, panelSize: Size = Size(width: 560, height: 440)
    ) throws -> Figure {
        for g in groups where g.variable.count != g.observed.count || g.observed.count != g.predicted.count {
            throw PlotError.invalidArgument(
                "group '\(g.name)': \(g.variable.count) variable, \(g.observed.count) observed and \(g.predicted.count) predicted values")
        }
        let predicted = try predictedVsObserved(
            groups.map { PredictionGroup(name: $0.name, observed: $0.observed, predicted: $0.predicted) },
            title: "Predicted vs observed", quantity: quantity)
        let residualGroups = groups.map { g in
            ResidualGroup(name: g.name, x: g.variable, residuals: zip(g.observed, g.predicted).map { o, p in
                switch residual {
                case .difference: return o - p
                case .logRatio: return o > 0 && p > 0 ? Foundation.log(o) - Foundation.log(p) : .nan
                }
            })
        }
        let yLabel = residual == .logRatio ? "log observed − log predicted" : "Observed − predicted \(quantity)"
        let residualChart = try residuals(
            residualGroups, title: "Residuals", xLabel: variableLabel, xScale: variableScale, xFormat: variableFormat,
            yLabel: yLabel)
        return Figure(title: title, panels: [predicted, residualChart], columns: 2, panelSize: panelSize)
    }
}
