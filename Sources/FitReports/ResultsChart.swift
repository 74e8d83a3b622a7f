import Foundation
import Plot
import RunSchema
import ScalingLaws

/// Any results-table column against another, one line per group of rows (`windtunnel plot
/// results`): val loss against the learning rate per width is the picture of an LR-transfer
/// sweep (Yang et al. 2022, Fig. 1), and the same chart serves any tuned axis. Each line's lowest
/// y is highlighted (the tuned optimum), and one panel is drawn per value of `panel` (e.g. SP
/// beside μP) on a shared y range so the panels compare by eye.
public struct ResultsChartRequest: Sendable {
    /// A sweep directory (its results table) or a results-table CSV.
    public var input: String
    public var x: String
    public var y: String
    /// Columns whose values name a line (`d_model`, or `d_model,n_layer`).
    public var series: [String]
    /// A column whose values each get a panel.
    public var panel: String?
    public var logX: Bool
    /// A log y axis (e.g. compute-optimal N* against C); rows with y ≤ 0 are left out.
    public var logY: Bool
    public var title: String?

    public init(input: String, x: String, y: String, series: [String], panel: String? = nil, logX: Bool = true,
                logY: Bool = false, title: String? = nil) {
        self.input = input
        self.x = x
        self.y = y
        self.series = series
        self.panel = panel
        self.logX = logX
        self.logY = logY
        self.title = title
    }
}

public enum ResultsChart {
    /// The figure, and a text table of each line's optimum (x at the lowest y) for the CLI.
    public static func figure(_ request: ResultsChartRequest, panelSize: Size = .standard) throws -> (figure: Figure, optima: [String]) {
        let table = try readTable(request.input)
        let xi = try column(table, request.x), yi = try column(table, request.y)
        let si = try request.series.map { try column(table, $0) }
        let pi = try request.panel.map { try column(table, $0) }
        // Seed-mean rows repeat their runs; a chart of runs draws each run once.
        let kind = table.columnIndex(ResultsColumns.kind)
        let rows = table.rows.filter { row in kind.map { row[$0] != "mean" } ?? true }

        var panels: [String: [String: [Point]]] = [:]
        var panelOrder: [String] = [], lineOrder: [String] = []
        for row in rows {
            guard let x = Double(row[xi]), let y = Double(row[yi]), x.isFinite, y.isFinite,
                  !request.logX || x > 0, !request.logY || y > 0 else { continue }
            let panel = pi.map { row[$0] } ?? ""
            let line = zip(request.series, si).map { "\($0)=\(row[$1])" }.joined(separator: " ")
            if panels[panel] == nil { panelOrder.append(panel) }
            if !lineOrder.contains(line) { lineOrder.append(line) }
            panels[panel, default: [:]][line, default: []].append(Point(x, y))
        }
        guard !panels.isEmpty else {
            throw FitReportError.invalid("--input \(request.input): no row has numbers in both '\(request.x)' and '\(request.y)'")
        }
        lineOrder.sort(by: numericOrder)
        panelOrder.sort(by: numericOrder)
        let ys = panels.values.flatMap { $0.values.flatMap { $0.map(\.y) } }
        let yRange: ClosedRange<Double>
        if request.logY {
            yRange = (ys.min()! / 1.1)...(ys.max()! * 1.1)
        } else {
            let pad = max((ys.max()! - ys.min()!) * 0.04, 1e-3)
            yRange = (ys.min()! - pad)...(ys.max()! + pad)
        }
        let colors = Palette.colors(lineOrder.count, .sequential)

        var charts: [Chart] = [], optima: [String] = []
        for panel in panelOrder {
            var series: [Series] = []
            for (k, line) in lineOrder.enumerated() {
                guard let points = panels[panel]?[line]?.sorted(by: { $0.x < $1.x }) else { continue }
                let best = points.min { $0.y < $1.y }!
                series.append(.line(line, points, color: colors[k]))
                series.append(.scatter("\(line) runs", points, color: colors[k], inLegend: false))
                series.append(.highlight("\(line) best", [best], color: colors[k], inLegend: false))
                let edge = best.x == points.first!.x ? " (lowest value tried)" : best.x == points.last!.x ? " (highest value tried)" : ""
                optima.append("\(panel.isEmpty ? "" : "\(request.panel!)=\(panel) ")\(line): best \(request.x) \(TickFormat.scientific.label(best.x)), \(request.y) \(String(format: "%.4f", best.y))\(edge)")
            }
            let title = panel.isEmpty ? request.title : "\(request.title.map { "\($0): " } ?? "")\(request.panel!) = \(panel)"
            charts.append(Chart(title: title, x: Axis(request.x, scale: request.logX ? .log10 : .linear),
                                y: Axis(request.y, scale: request.logY ? .log10 : .linear, range: yRange), series: series))
        }
        return (Figure(panels: charts, columns: min(charts.count, 2), panelSize: panelSize), optima)
    }

    static func readTable(_ input: String) throws -> CSVTable {
        let url = try resultsTableURL(input: input)
        do { return try CSVTable.read(contentsOf: url) } catch let error as FitError {
            throw FitReportError.invalid(error.description)
        }
    }

    static func column(_ table: CSVTable, _ name: String) throws -> Int {
        do { return try table.requireColumn(name) } catch let error as FitError {
            throw FitReportError.invalid(error.description)
        }
    }

    /// "d_model=64" before "d_model=128": numbers compare as numbers, the rest as text.
    static func numericOrder(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: .numeric) == .orderedAscending
    }
}
