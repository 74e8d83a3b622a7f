import ArgumentParser
import FitReports
import Foundation
import Plot

/// `windtunnel plot isoflop|frontier|fit`: run a fit (same options as `windtunnel fit`) and
/// write one of its charts to a file. The fits and charts are FitReports'.

struct PlotIsoFLOPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isoflop",
        abstract: "Loss vs N per FLOP budget with the fitted parabolas and their minima (Approach 2).",
        discussion: "--law chinchilla draws the fitted Chinchilla law along each budget instead (D = C/6N).")

    enum Law: String, ExpressibleByArgument, CaseIterable { case isoflop, chinchilla }

    @Option(help: "The fit: isoFLOP parabolas, or the Chinchilla law along each budget.")
    var law: Law = .isoflop
    @OptionGroup var fit: FitOptions
    @OptionGroup var chart: ChartFileOptions

    func run() throws {
        var fit = self.fit
        if fit.bootstrap == nil { fit.bootstrap = 0 }  // this chart shows no intervals
        try chart.write(.isoflop, of: try fit.fit(law == .isoflop ? .isoflop : .chinchilla))
    }
}

struct PlotFrontierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frontier",
        abstract: "Compute-optimal N and D vs C: fitted power laws with bootstrap bands.",
        discussion: "--law isoflop (default) uses the isoFLOP parabolas' minima (Approach 2), envelope the lower envelope of loss curves (Approach 1), chinchilla the fitted law's allocation (Approach 3).")

    enum Law: String, ExpressibleByArgument, CaseIterable { case isoflop, envelope, chinchilla }

    @Option(help: "The fit whose allocation to draw (see above).")
    var law: Law = .isoflop
    @OptionGroup var fit: FitOptions
    @OptionGroup var chart: ChartFileOptions

    func run() throws {
        try chart.write(.frontier, of: try fit.fit(FitLaw(rawValue: law.rawValue)!))
    }
}

struct PlotFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit diagnostics: predicted vs observed loss and residuals (schedule: observed vs predicted curves).")

    enum Law: String, ExpressibleByArgument, CaseIterable { case chinchilla, kaplan, power, moe, schedule, farseer }

    @Option(help: "The law to diagnose.")
    var law: Law = .chinchilla
    @OptionGroup var fit: FitOptions
    @OptionGroup var chart: ChartFileOptions

    func run() throws {
        var fit = self.fit
        if fit.bootstrap == nil { fit.bootstrap = 0 }  // diagnostics show no intervals
        let law = FitLaw(rawValue: self.law.rawValue)!
        try chart.write(law.diagnosticChart, of: try fit.fit(law))
    }
}

/// Output options of the fit-based charts.
struct ChartFileOptions: ParsableArguments {
    @Option(help: "Output SVG file (written atomically).")
    var out: String

    @Option(help: "Chart title (default: one naming the law).")
    var title: String?

    @Option(help: "Width in pixels (of each panel, for two-panel charts).")
    var width: Double?

    @Option(help: "Height in pixels (of each panel).")
    var height: Double?

    /// Draws `chart` of the fit with this title and size, prints the fit's warnings, writes it.
    func write(_ chart: FitChart, of report: FittedReport) throws {
        let figure = try userErrors { try report.figure(chart, title: title, width: width, height: height) }
        for warning in report.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        let url = URL(fileURLWithPath: out)
        do {
            let rendered = try figure.write(to: url)
            for line in noteLines(rendered.notes, file: url.lastPathComponent) {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        } catch let error as PlotError {
            throw CLIError(error.description)
        }
        print("wrote \(url.path) (\(report.result.law))")
    }
}
