import Foundation
import Plot
import ScalingLaws

/// Diagnostics (predicted vs observed, residuals), Kaplan's single laws, power laws and
/// schedule-law curves: the rest of the fit → chart glue (see FitPlots.swift).
extension FitPlots {
    /// fit.svg: predicted vs observed loss and log residuals against N (power: against x), one
    /// group per FLOP budget when the table is an isoFLOP sweep; for moe, one group per law.
    static func diagnostics(_ fitted: FittedLaw) throws -> Figure? {
        switch fitted {
        case .chinchilla(let r, let rows):
            return byBudget(try Charts.fitDiagnostics(
                groups(rows, residuals: r.residuals), title: "Chinchilla fit: L = E + A/N^α + B/D^\(r.law.contains("shared") ? "α" : "β") (\(rows.lossColumn))",
                variableLabel: "Parameters N", variableFormat: .si), rows: rows)
        case .farseer(let r, let rows):
            return byBudget(try Charts.fitDiagnostics(
                groups(rows, residuals: r.residuals), title: "Farseer fit: L = e^(a3·N^γ+b3) + e^(a2·N^β+b2)·D^−e^(a1·N^α+b1) (\(rows.lossColumn))",
                variableLabel: "Parameters N", variableFormat: .si), rows: rows)
        case .kaplan(let r, let rows):
            return byBudget(try Charts.fitDiagnostics(
                groups(rows, residuals: r.residuals), title: "Kaplan joint law L(N, D) (\(rows.lossColumn))",
                variableLabel: "Parameters N", variableFormat: .si), rows: rows)
        case .power(let r, let x):
            return try Charts.fitDiagnostics(
                [DiagnosticGroup(name: "rows", variable: x, observed: r.residuals.map(\.observed),
                                 predicted: r.residuals.map(\.predicted))],
                title: "Power law: \(r.yColumn) = \(r.point.E == 0 ? "" : "E + ")A·\(r.xColumn)^−α", quantity: r.yColumn, variableLabel: r.xColumn)
        case .moe(let r, let rows):
            let laws = [("Clark et al.", r.clarkResiduals), ("Chinchilla + sparsity", r.chinchillaMoEResiduals)]
            return try Charts.fitDiagnostics(
                laws.map { name, residuals in
                    DiagnosticGroup(name: name, variable: rows.nActive, observed: residuals.map(\.observed),
                                    predicted: residuals.map(\.predicted))
                },
                title: "MoE laws (\(rows.lossColumn))", variableLabel: "Active parameters N_active", variableFormat: .si)
        case .isoflop, .envelope, .schedule:
            return nil
        }
    }

    /// Residuals (in row order) split by budget when the rows form an isoFLOP sweep.
    static func groups(_ rows: ScalingRows, residuals: [Residual]) -> [DiagnosticGroup] {
        let budgets = BudgetGroups(rows.c)?.budgets.map { (TickFormat.budgetLabel($0.c), $0.rows) }
            ?? [("runs", Array(rows.n.indices))]
        return budgets.map { name, members in
            DiagnosticGroup(name: name, variable: members.map { rows.n[$0] }, observed: members.map { residuals[$0].observed },
                            predicted: members.map { residuals[$0].predicted })
        }
    }

    /// With one group per budget: budgets coloured and marked as in isoflop.svg (ordered
    /// colours), and one legend, beside the residuals, instead of the same list twice.
    static func byBudget(_ figure: Figure, rows: ScalingRows) -> Figure {
        guard let budgets = BudgetGroups(rows.c)?.budgets else { return figure }
        var figure = figure
        let colors = Palette.colors(budgets.count, .sequential)
        let index = Dictionary(uniqueKeysWithValues: budgets.enumerated().map { (TickFormat.budgetLabel($1.c), $0) })
        for p in figure.panels.indices {
            for s in figure.panels[p].series.indices {
                guard let k = index[figure.panels[p].series[s].name] else { continue }
                figure.panels[p].series[s].color = colors[k]
                figure.panels[p].series[s].marker = Palette.marker(k, coloring: .sequential)
            }
        }
        figure.panels[0].legend = .hidden
        figure.panels[1].legendTitle = "Compute budget"
        return figure
    }

    /// laws.svg: L(N), L(D), L(C) side by side, all runs in grey, the points each single law was
    /// fitted to highlighted, and the law over their range.
    static func kaplanLaws(_ r: KaplanResult, rows: ScalingRows) -> Figure {
        let panels = [(r.lossOfN, rows.n, "Parameters N", TickFormat.si), (r.lossOfD, rows.d, "Tokens D", .si),
                      (r.lossOfC, rows.c, "Compute C (FLOPs)", .scientific)].map { law, x, label, format -> Chart in
            let fitted = law.points.map { Point($0[0], $0[1]) }
            let series: [Series] = [
                .scatter("all runs", zip(x, rows.loss).map { Point($0, $1) }, color: Color(hex: 0xAAAAAA), marker: .circle, radius: 3),
                .line("fit, α = \(estimateText(law.exponent))",
                      Charts.sample(span(fitted.map(\.x))) { law.loss($0) }, color: Palette.qualitative[1], dash: .solid),
                .highlight(law.variable == "C" ? "compute frontier" : "lowest loss per \(law.variable)", fitted,
                           color: Palette.qualitative[0], marker: .circle),
            ]
            return Chart(title: "L(\(law.variable))", x: Axis(label, scale: .log10, format: format),
                         y: Axis(axisLabel(loss: r.lossColumn), scale: .log10), series: series, legend: .auto)
        }
        return Figure(title: "Kaplan single-variable laws", panels: panels, columns: 3, panelSize: Size(width: 520, height: 440))
    }

    /// power.svg: y vs x on log-log axes with the fit and its bootstrap band.
    static func power(_ r: PowerLawResult, x: [Double]) -> Chart {
        let range = span(x)
        let fit = Charts.sample(range) { r.predict($0) }
        var series: [Series] = []
        if !r.bootstrapSamples.isEmpty {
            let bounds = fit.map { r.band(at: $0.x) ?? [$0.y, $0.y] }
            series.append(.band("95% bootstrap band", lower: zip(fit, bounds).map { Point($0.x, $1[0]) },
                                upper: zip(fit, bounds).map { Point($0.x, $1[1]) }, color: Palette.qualitative[1], opacity: 0.18))
        }
        let alpha = estimateText(r.parameters["alpha"] ?? ParameterEstimate(estimate: r.point.alpha))
        series.append(.line("fit, α = \(alpha)", fit, color: Palette.qualitative[1], dash: .solid))
        series.append(.scatter("rows", zip(x, r.residuals.map(\.observed)).map { Point($0, $1) },
                               color: Palette.qualitative[0], marker: .circle, radius: 4))
        let form = r.point.E == 0 ? "A·x^−α" : "E + A·x^−α"
        return Chart(title: "\(r.yColumn) vs \(r.xColumn): \(r.yColumn) = \(form)", x: Axis(r.xColumn, scale: .log10),
                     y: Axis(r.yColumn, scale: .log10), series: series, legend: .auto)
    }

    /// curves.svg: each run's observed loss (solid) and the law's curve (dashed, same colour);
    /// fitted and held-out (predicted) runs alike.
    static func scheduleCurves(_ r: ScheduleResult) -> Chart {
        let runs = r.fitted.map { ($0, "fitted") } + r.predictions.map { ($0, "predicted") }
        let colors = Palette.colors(runs.count, .qualitative)
        var series: [Series] = []
        var entries: [LegendEntry] = []
        for (i, (run, role)) in runs.enumerated() {
            let steps = run.steps.map(Double.init)
            series.append(.line("\(run.runID) observed", zip(steps, run.observed).map { Point($0, $1) },
                                color: colors[i], dash: .solid, lineWidth: 1.5, inLegend: false))
            series.append(.line("\(run.runID) \(role == "fitted" ? "fit" : "prediction")", zip(steps, run.predicted).map { Point($0, $1) },
                                color: colors[i], dash: .dashed, lineWidth: 2, inLegend: false))
            entries.append(LegendEntry(label: "\(run.runID) (\(role))", color: colors[i], line: .solid))
        }
        entries.append(LegendEntry(label: "observed", color: Color(hex: 0x555555), line: .solid))
        entries.append(LegendEntry(label: "\(r.kind.rawValue) law", color: Color(hex: 0x555555), line: .dashed))
        return Chart(title: "Loss curves: observed vs the \(r.kind.rawValue) law", x: Axis("Step", scale: .linear),
                     y: Axis("Loss", scale: .linear), series: series, legend: .auto, legendEntries: entries)
    }
}
