import ArgumentParser
import Foundation
import Plot
import RunSchema
import Trainer

/// `windtunnel check <what>`: diagnostics of a config before spending a sweep on it.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Diagnostics of a config (coordinate check of its parametrisation).",
        subcommands: [CheckCoordsCommand.self]
    )
}

struct CheckCoordsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coords",
        abstract: "Coordinate check: mean |activation| per layer kind after each of a few steps, against width (and depth).",
        discussion: """
            Trains the config for --steps steps at each width (at its n_layer) and each depth (at \
            its d_model) on its data, at the constant lr optim.lr. Under mup/completep the curves \
            are flat; under sp they grow with width. Prints the table and writes coords.csv and \
            coords-width.svg / coords-depth.svg into --out.
            """
    )

    @Argument(help: "Train config (JSON).") var config: String
    @Option(help: "Comma-separated d_model values, e.g. 64,128,256,512.") var widths: String?
    @Option(help: "Comma-separated n_layer values, e.g. 2,4,8.") var depths: String?
    @Option(help: "Optimizer steps per size.") var steps = 10
    @Option(name: .customLong("set"), help: "Override a config field, e.g. --set model.parametrization=mup (repeatable).")
    var overrides: [String] = []
    @Option(help: "Output directory (default: runs/coords-<config name>).") var out: String?
    @OptionGroup var runtime: RuntimeOptions

    static func sizes(_ text: String?, _ flag: String) throws -> [Int] {
        guard let text else { return [] }
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard !parts.isEmpty, values.count == parts.count else {
            throw CLIError("--\(flag): expected comma-separated integers, got \"\(text)\"")
        }
        return values
    }

    func run() throws {
        try runtime.apply()
        let url = URL(fileURLWithPath: config)
        let cfg: TrainConfig
        do { cfg = try TrainConfig.load(url, overrides: overrides) } catch let e as ConfigError { throw CLIError(e.description) }
        let check: CoordinateCheck
        do {
            check = try CoordinateCheck(config: cfg, widths: Self.sizes(widths, "widths"), depths: Self.sizes(depths, "depths"), steps: steps)
        } catch let e as TrainingError { throw CLIError(e.description) }
        let dir = URL(fileURLWithPath: out ?? "runs/coords-" + url.deletingPathExtension().lastPathComponent)
        let measurements: [CoordinateCheck.Measurement]
        do { measurements = try check.run { print($0); flushStdout() } } catch { throw CLIError(FileErrors.message(error)) }
        print(CoordinateCheck.table(measurements, parametrization: cfg.model.parametrization))
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(CoordinateCheck.csv(measurements).utf8).write(to: dir.appendingPathComponent("coords.csv"), options: .atomic)
            for axis in [CoordinateCheck.Axis.width, .depth] {
                let samples = measurements.filter { $0.axis == axis }.flatMap { m in
                    CoordinateCheck.Site.allCases.compactMap { site in
                        m.meanAbs[site].map { CoordinateSample(layer: site.rawValue, size: Double(m.size), step: m.step, meanAbs: $0) }
                    }
                }
                guard !samples.isEmpty else { continue }
                let title = "Coordinate check (\(cfg.model.parametrization.rawValue)), \(steps) steps at lr \(cfg.optim.lr)"
                let xLabel = axis == .width ? "width (d_model)" : "depth (n_layer)"
                let file = dir.appendingPathComponent("coords-\(axis.rawValue).svg")
                try Charts.coordinateCheck(samples, title: title, xLabel: xLabel).write(to: file)
                print("wrote \(file.path)")
            }
        } catch { throw CLIError(FileErrors.message(error)) }
        print("wrote \(dir.appendingPathComponent("coords.csv").path)")
    }
}
