import Foundation
import Plot
import ScalingLaws

/// The SVG charts drawn from a fit. ScalingLaws and Plot don't know each other (DESIGN.md): this
/// file and FitDiagnosticPlots.swift turn fit results into the plain arrays Plot's builders take.
public enum FitChart: String, CaseIterable, Sendable {
    /// Loss vs N per FLOP budget with fitted parabolas (isoflop) or the law's slices (chinchilla).
    case isoflop
    /// N_opt and D_opt vs C with fitted power laws and bootstrap bands.
    case frontier
    /// Predicted vs observed and residuals vs N (or x).
    case fit
    /// Observed vs predicted loss curves (schedule laws).
    case curves
    /// Loss vs C of every run with the lower envelope (Approach 1).
    case envelope
    /// Kaplan's L(N), L(D), L(C) with their fitted single-variable laws.
    case laws
    /// y vs x with the fitted power law.
    case power
    /// Held-out rows: predicted vs observed with 95% intervals, relative error vs extrapolation.
    case holdout

    public var fileName: String { rawValue + ".svg" }
}

extension FittedLaw {
    /// The charts `fit --out DIR` writes for this law, in order.
    public var charts: [FitChart] {
        switch self {
        case .isoflop: return [.isoflop, .frontier]
        case .chinchilla(_, let rows): return BudgetGroups(rows.c) == nil ? [.fit, .frontier] : [.fit, .frontier, .isoflop]
        case .envelope: return [.frontier, .envelope]
        case .kaplan: return [.fit, .laws]
        case .power: return [.power, .fit]
        case .schedule: return [.curves]
        case .moe: return [.fit]
        case .farseer: return [.fit]
        }
    }
}

enum FitPlots {
    static let chartSize = Size(width: 760, height: 500)

    /// One chart for a fit, or nil when the law has no such chart (see `FittedLaw.charts`).
    /// `lossStd`: the ±1 std error bar of each run id that has one (seed means).
    static func figure(_ chart: FitChart, for fitted: FittedLaw, lossStd: [String: Double] = [:]) throws -> Figure? {
        func single(_ c: Chart) -> Figure { Figure(panels: [c], columns: 1, panelSize: chartSize) }
        switch (chart, fitted) {
        case (.isoflop, .isoflop(let r)): return single(isoFLOP(r, lossStd: lossStd))
        case (.isoflop, .chinchilla(let r, let rows)): return isoFLOP(r, rows: rows, lossStd: lossStd).map(single)
        case (.frontier, .isoflop(let r)): return single(frontier(r))
        case (.frontier, .chinchilla(let r, let rows)): return single(frontier(r, rows: rows))
        case (.frontier, .envelope(let r, _)): return single(frontier(r))
        case (.envelope, .envelope(let r, let curves)): return single(envelope(r, curves: curves))
        case (.fit, _): return try diagnostics(fitted)
        case (.laws, .kaplan(let r, let rows)): return kaplanLaws(r, rows: rows)
        case (.power, .power(let r, let x)): return single(power(r, x: x))
        case (.curves, .schedule(let r)): return single(scheduleCurves(r))
        default: return nil
        }
    }

    // MARK: - IsoFLOP

    /// Loss vs N per budget: every run, each used budget's parabola over the sizes it was fitted
    /// to, and its vertex. Skipped budgets (minimum at an edge size...) are points only,
    /// "(not used)" in the legend. Seed means get ±1 std error bars.
    static func isoFLOP(_ r: IsoFLOPResult, lossStd: [String: Double] = [:]) -> Chart {
        let curves = r.budgets.map { b -> IsoFLOPCurve in
            var fit: [Point] = [], minimum: Point?
            if b.used, let parabola = b.parabolaN, let nOpt = b.nOpt?.estimate, let lossOpt = b.lossOpt {
                let window = b.points.filter(\.inWindow).map(\.N)
                if let lo = window.min(), let hi = window.max() {
                    // A kept edge budget's vertex may lie outside its window: widen to show it,
                    // but not beyond ×10 (an extrapolation that far would flatten the chart).
                    let reach = lo / 10...hi * 10
                    let shown = reach.contains(nOpt)
                    let range = shown ? min(lo, nOpt)...max(hi, nOpt) : lo...hi
                    fit = Charts.sample(range, count: 60) { parabola.value(Foundation.log($0)) }
                    minimum = shown ? Point(nOpt, lossOpt) : nil
                }
            }
            return IsoFLOPCurve(budget: b.C, points: b.points.map { Point($0.N, $0.loss) }, fit: fit, minimum: minimum,
                                label: TickFormat.budgetLabel(b.C) + (b.used ? "" : " (not used)"),
                                errors: b.points.map { lossStd[$0.runID] })
        }
        var chart = Charts.isoFLOP(curves, title: "IsoFLOP curves: parabolas in log N", yLabel: axisLabel(loss: r.lossColumn),
                                   connectMinima: true)
        if let focus = focusRange(r, curves: curves) {
            chart.y.range = focus.range
            chart.y.label += " (\(focus.hidden) run\(focus.hidden == 1 ? "" : "s") above the range)"
        }
        return chart
    }

    /// Small models at large budgets and large models at small ones sit far above the minima
    /// (Porian's table reaches loss 8.7 where the minima span 3.1 to 4.5) and would squeeze the
    /// parabolas into the bottom of the chart. The y range covers what was fitted (windows,
    /// parabolas) and the three lowest points of each skipped budget; nil when that hides nothing.
    static func focusRange(_ r: IsoFLOPResult, curves: [IsoFLOPCurve]) -> (range: ClosedRange<Double>, hidden: Int)? {
        var kept: [Double] = []
        for (b, curve) in zip(r.budgets, curves) {
            if b.used {
                kept += b.points.filter(\.inWindow).map(\.loss) + curve.fit.map(\.y)
            } else {
                kept += b.points.map(\.loss).sorted().prefix(3)
            }
        }
        let all = r.budgets.flatMap { $0.points.map(\.loss) }
        guard let lo = all.min(), let keptHi = kept.max(), let hi = all.max(), keptHi > lo else { return nil }
        let pad = 0.06 * (keptHi - lo)
        let top = keptHi + pad
        let hidden = all.filter { $0 > top }.count
        // Hiding a point or two would only lose data, not gain room.
        guard hidden >= 3, hi > keptHi + 0.5 * (keptHi - lo) else { return nil }
        return ((lo - pad)...top, hidden)
    }

    /// The Chinchilla law along each budget of an isoFLOP-shaped table (D = C/6N), with the
    /// runs and the law's compute-optimal point; nil when the rows are not grouped in budgets.
    static func isoFLOP(_ r: ChinchillaResult, rows: ScalingRows, lossStd: [String: Double] = [:]) -> Chart? {
        guard let groups = BudgetGroups(rows.c) else { return nil }
        let curves = groups.budgets.map { budget -> IsoFLOPCurve in
            let sizes = budget.rows.map { rows.n[$0] }
            let lo = sizes.min()!, hi = sizes.max()!
            let optimum = r.point.computeOptimal(budget: budget.c)
            let shown = (lo / 10...hi * 10).contains(optimum.nOpt)
            let range = shown ? min(lo, optimum.nOpt)...max(hi, optimum.nOpt) : lo...hi
            return IsoFLOPCurve(
                budget: budget.c, points: budget.rows.map { Point(rows.n[$0], rows.loss[$0]) },
                fit: Charts.sample(range, count: 60) { r.point.loss(n: $0, d: budget.c / (6 * $0)) },
                minimum: shown ? Point(optimum.nOpt, optimum.loss) : nil, errors: budget.rows.map { lossStd[rows.runIDs[$0]] })
        }
        return Charts.isoFLOP(curves, title: "Chinchilla law along each budget (D = C/6N)",
                              yLabel: axisLabel(loss: rows.lossColumn), connectMinima: true)
    }

    // MARK: - Frontier

    /// N* and D* per used budget (with their bootstrap intervals as whiskers), and the fitted
    /// power laws with bands over the budgets' range (and any --budgets).
    static func frontier(_ r: IsoFLOPResult) -> Chart {
        let used = r.budgets.filter(\.used)
        let range = span(r.budgets.map(\.C) + r.computeOptimal.map(\.C))
        var chart = Charts.frontier(
            [frontierSeries("N*", r.nFrontier, over: range, pointsLabel: "N* per budget (vertex, 95% interval)"),
             frontierSeries("D*", r.dFrontier, over: range, pointsLabel: "D* per budget (vertex, 95% interval)")],
            title: "Compute-optimal allocation (isoFLOP parabolas)", yLabel: "N* (parameters), D* (tokens)")
        for (k, estimates) in [used.map(\.nOpt), used.map(\.dOpt)].enumerated() {
            let color = Palette.qualitative[k]
            for (b, e) in zip(used, estimates) {
                guard let ci = e?.ci95 else { continue }
                chart.series.append(.line("\(k == 0 ? "N*" : "D*") 95% interval at \(TickFormat.budgetLabel(b.C))",
                                          [Point(b.C, ci[0]), Point(b.C, ci[1])], color: color, dash: .solid,
                                          lineWidth: 1.4, inLegend: false))
            }
        }
        return chart
    }

    /// Approach 1: the envelope's N and D (the tokens the envelope run logged) per compute value and the fitted power laws.
    static func frontier(_ r: EnvelopeResult) -> Chart {
        let range = span(r.envelope.map(\.C) + r.computeOptimal.map(\.C))
        var chart = Charts.frontier(
            [frontierSeries("N*", r.nFrontier, over: range, pointsLabel: "N on the loss envelope"),
             frontierSeries("D*", r.dFrontier, over: range, pointsLabel: "D (logged tokens) on the envelope")],
            title: "Compute-optimal allocation (lower envelope)", yLabel: "N* (parameters), D* (tokens)")
        // Up to 200 envelope points: small markers, not the large highlighted optima.
        for i in chart.series.indices {
            if case .highlight(let points) = chart.series[i].content {
                chart.series[i].content = .scatter(points)
                chart.series[i].markerRadius = 3
            }
        }
        return chart
    }

    /// Approach 3: N_opt(C), D_opt(C) from the fitted allocation over the data's compute range,
    /// with bootstrap bands; for an isoFLOP-shaped table, the lowest-loss run of each budget.
    static func frontier(_ r: ChinchillaResult, rows: ScalingRows) -> Chart {
        let range = span(rows.c + r.computeOptimal.map(\.C))
        let cs = Charts.sample(range, count: 80) { $0 }.map(\.x)
        let estimates = cs.map { r.computeOptimal(at: $0) }
        let best = BudgetGroups(rows.c)?.budgets.map { budget in
            (c: budget.c, row: budget.rows.min { rows.loss[$0] < rows.loss[$1] }!)
        } ?? []
        func quantity(_ name: String, exponent: String, _ value: (ComputeOptimalEstimate) -> ParameterEstimate,
                      _ observed: [Double]) -> FrontierSeries {
            let fit = zip(cs, estimates).map { Point($0, value($1).estimate) }
            var band: Band?
            if estimates.allSatisfy({ value($0).ci95 != nil }) {
                band = Band(lower: zip(cs, estimates).map { Point($0, value($1).ci95![0]) },
                            upper: zip(cs, estimates).map { Point($0, value($1).ci95![1]) })
            }
            return FrontierSeries(
                name: "\(name.prefix(1)) of the best run per budget", points: zip(best, observed).map { Point($0.c, $1) },
                fit: fit, fitLabel: "\(name) ∝ C^\(exponent)", band: band, bandLabel: "\(name) 95% bootstrap band")
        }
        let a = r.allocation["a"].map(estimateText) ?? "?", b = r.allocation["b"].map(estimateText) ?? "?"
        var chart = Charts.frontier(
            [quantity("N_opt", exponent: a, \.nOpt, best.map { rows.n[$0.row] }),
             quantity("D_opt", exponent: b, \.dOpt, best.map { rows.d[$0.row] })],
            title: "Compute-optimal allocation (Chinchilla law, C = 6ND)", yLabel: "N_opt (parameters), D_opt (tokens)")
        if best.isEmpty { chart.series.removeAll { if case .highlight = $0.content { return true } else { return false } } }
        return chart
    }

    static func frontierSeries(_ name: String, _ law: PowerLawFrontier, over range: ClosedRange<Double>,
                               pointsLabel: String) -> FrontierSeries {
        let fit = Charts.sample(range, count: 80) { law.predict($0) }
        var band: Band?
        if !law.samples.isEmpty {
            let bounds = fit.map { law.band(at: $0.x) ?? [$0.y, $0.y] }
            band = Band(lower: zip(fit, bounds).map { Point($0.x, $1[0]) }, upper: zip(fit, bounds).map { Point($0.x, $1[1]) })
        }
        return FrontierSeries(
            name: pointsLabel, points: law.points.map { Point($0[0], $0[1]) }, fit: fit,
            fitLabel: "\(name) ∝ C^\(estimateText(law.exponent))", band: band, bandLabel: "\(name) 95% bootstrap band")
    }

    // MARK: - Envelope

    /// Every run's loss against compute (coloured by size) under the lower envelope.
    static func envelope(_ r: EnvelopeResult, curves: LossCurveSet) -> Chart {
        let sizes = Array(Set(curves.curves.compactMap(\.N))).sorted()
        let colors = Palette.colors(sizes.count, .sequential)
        // The envelope first, wide and pale, so the runs on it stay visible on top.
        let envelopeColor = Color(hex: 0xBBBBBB)
        var series: [Series] = [.line("lower envelope", r.envelope.map { Point($0.C, $0.loss) }, color: envelopeColor,
                                      dash: .solid, lineWidth: 7, inLegend: false)]
        for curve in curves.curves {
            guard let n = curve.N, let k = sizes.firstIndex(of: n) else { continue }
            let points = curve.step.indices.compactMap { i -> Point? in
                guard let c = curve.flops[i], let l = curve.loss[i], c > 0 else { return nil }
                return Point(c, l)
            }
            series.append(.line(curve.runID, points, color: colors[k], dash: .solid, lineWidth: 1.2, inLegend: false))
        }
        var entries = sizes.indices.map { LegendEntry(label: "N = \(TickFormat.si.label(sizes[$0]))", color: colors[$0], line: .solid) }
        entries.append(LegendEntry(label: "lower envelope", color: envelopeColor, band: true))
        return Chart(title: "Loss vs compute: the lower envelope (Approach 1)",
                     x: Axis("Compute C (FLOPs)", scale: .log10, format: .scientific),
                     y: Axis(axisLabel(loss: r.lossColumn)), series: series, legend: .auto,
                     legendTitle: "Model size", legendEntries: entries)
    }

    // MARK: - Helpers

    /// min...max of positive values.
    static func span(_ values: [Double]) -> ClosedRange<Double> {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        return (positive.min() ?? 1)...(positive.max() ?? 1)
    }

    static func axisLabel(loss column: String) -> String {
        switch column {
        case "val_loss": return "Validation loss"
        case "loss": return "Loss"
        default: return "Loss (\(column))"
        }
    }
}

/// "0.503 [0.48, 0.52]": three significant digits, the interval when there is one.
func estimateText(_ e: ParameterEstimate) -> String {
    let digits = { (x: Double) in String(format: "%.3g", x) }
    return digits(e.estimate) + (e.ci95.map { " [\(digits($0[0])), \(digits($0[1]))]" } ?? "")
}

/// Rows grouped into FLOP budgets, when a table looks like an isoFLOP sweep: C values within 1%
/// of a group's smallest form one budget (its C is the median), 2 to 16 budgets of ≥ 3 runs.
struct BudgetGroups {
    var budgets: [(c: Double, rows: [Int])]

    init?(_ c: [Double], tolerance: Double = 0.01) {
        let order = c.indices.sorted { c[$0] < c[$1] }
        var groups: [[Int]] = []
        var start = -Double.infinity
        for i in order {
            if groups.isEmpty || c[i] > start * (1 + tolerance) {
                groups.append([i]); start = c[i]
            } else {
                groups[groups.count - 1].append(i)
            }
        }
        guard (2...16).contains(groups.count), groups.allSatisfy({ $0.count >= 3 }) else { return nil }
        budgets = groups.map { members in
            let sorted = members.map { c[$0] }.sorted()
            return (c: sorted[sorted.count / 2], rows: members)
        }
    }
}
