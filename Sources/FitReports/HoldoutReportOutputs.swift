import Foundation
import Plot
import ScalingLaws

extension FitPlots {
    /// holdout.svg: left, predicted vs observed loss with the 95% interval of each held-out
    /// prediction as a bar, the fitted rows in grey behind them, and y = x; right, the relative
    /// error (%) of each held-out row against its extrapolation factor (C / largest fitted C).
    static func holdout(_ h: HoldoutReport, fitted: FittedLaw) -> Figure {
        let color = Palette.qualitative[1]
        var left: [Series] = [.identityLine()]
        let residuals: [Residual]
        switch fitted {
        case .chinchilla(let r, _): residuals = r.residuals
        case .farseer(let r, _): residuals = r.residuals
        case .kaplan(let r, _): residuals = r.residuals
        default: residuals = []
        }
        if !residuals.isEmpty {
            left.append(.scatter("fitted rows", residuals.map { Point($0.observed, $0.predicted) },
                                 color: Color(hex: 0xAAAAAA), marker: .circle, radius: 3))
        }
        let bars = h.rows.compactMap { r in r.predicted.ci95.map { ErrorBar(x: r.observed, low: $0[0], high: $0[1]) } }
        if !bars.isEmpty { left.append(.errorBars("95% interval", bars, color: color)) }
        left.append(.scatter("held out", h.rows.map { Point($0.observed, $0.predicted.estimate) }, color: color, marker: .diamond, radius: 5))
        let predictedVsObserved = Chart(title: "Held out (\(h.rule)): predicted vs observed", x: Axis("Observed loss"),
                                        y: Axis("Predicted loss"), series: left, legend: .auto)

        var right: [Series] = [.horizontalLine()]
        let relative = h.rows.compactMap { r in
            r.predicted.ci95.map { ErrorBar(x: r.extrapolation, low: 100 * ($0[0] / r.observed - 1), high: 100 * ($0[1] / r.observed - 1)) }
        }
        if !relative.isEmpty { right.append(.errorBars("95% interval", relative, color: color)) }
        right.append(.scatter("held out", h.rows.map { Point($0.extrapolation, 100 * $0.relativeError) }, color: color, marker: .diamond, radius: 5))
        // From 1 (the largest fitted budget) so the axis shows how far out the rows are.
        let reach = (h.rows.map(\.extrapolation).filter { $0 > 0 && $0.isFinite }.max() ?? 1) * 1.5
        let errorVsExtrapolation = Chart(title: "Relative error vs extrapolation",
                                         x: Axis("C / largest fitted C", scale: .log10, range: min(0.8, reach / 2)...max(reach, 2)),
                                         y: Axis("Relative error of the prediction (%)"), series: right, legend: .auto)
        return Figure(panels: [predictedVsObserved, errorVsExtrapolation], columns: 2, panelSize: chartSize)
    }
}

extension FittedReport {
    /// report.md: the command, the parameter table, the law's details, the held-out rows, the
    /// guardrails and warnings, and the charts in `charts` (file names in the same directory).
    func markdown(charts: [String]) -> String {
        var lines = ["# Fit report: \(result.law)", ""]
        if let command = request.commandLine {
            lines += ["Produced by:", "", "```", command, "```", ""]
        }
        lines.append("Input: `\(request.input)`" + (selection.map { "; \($0.summary)" } ?? ""))
        lines.append("")
        lines += ["## Parameters", "", "| parameter | estimate | 95% interval |", "|---|---|---|"]
        for entry in result.parameters.entries {
            let v = entry.value
            let ci = v.fixed ? "fixed (--fix)" : v.ci95.map { "[\(formatNumber($0[0])), \(formatNumber($0[1]))]" } ?? "—"
            lines.append("| \(entry.name) | \(formatNumber(v.estimate)) | \(ci) |")
        }
        lines += ["", "## Details", "", "```"] + selectionLines() + result.detailLines() + ["```", ""]
        if let holdout {
            lines += ["## Held-out validation", "", "Predicted by \(holdout.basis); largest fitted C \(formatNumber(holdout.largestFittedC)).", ""]
            lines += ["| run | C | C / max fitted C | observed | predicted | 95% interval | relative error | covered |", "|---|---|---|---|---|---|---|---|"]
            for r in holdout.rows {
                let ci = r.predicted.ci95.map { "[\(formatNumber($0[0])), \(formatNumber($0[1]))]" } ?? "—"
                lines.append("| \(r.runID) | \(formatNumber(r.C)) | \(formatNumber(r.extrapolation))× | \(formatNumber(r.observed)) | \(formatNumber(r.predicted.estimate)) | \(ci) | \(String(format: "%+.2f%%", 100 * r.relativeError)) | \(r.predicted.ci95 == nil ? "—" : (r.covered ? "yes" : "no")) |")
            }
            lines += ["", "Mean |relative error| \(String(format: "%.2f%%", 100 * holdout.meanAbsRelativeError)).", ""]
        }
        lines += ["## Warnings and guardrails", ""]
        let notes = guardrails.map { "- guardrail (\($0.kind.rawValue)): \($0.message)" } + warnings.map { "- warning: \($0)" }
        lines += (notes.isEmpty ? ["None."] : notes) + [""]
        if !charts.isEmpty {
            lines += ["## Charts", ""] + charts.map { "![\($0)](\($0))" } + [""]
        }
        return lines.joined(separator: "\n")
    }
}
