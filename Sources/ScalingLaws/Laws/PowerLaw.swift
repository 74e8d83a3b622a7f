import Foundation

/// y = E + A·x^(−α) (E = 0 without offset).
public struct PowerLawParameters: Codable, Sendable, Equatable {
    public var E: Double
    public var A: Double
    public var alpha: Double
    public init(E: Double, A: Double, alpha: Double) { self.E = E; self.A = A; self.alpha = alpha }
    public func value(_ x: Double) -> Double { E + A * pow(x, -alpha) }
}

public struct PowerLawOptions: Sendable, Equatable {
    /// Fit the offset E (y = E + A·x^−α); false fits y = A·x^−α.
    public var offset = true
    /// Loss on log-space residuals (Chinchilla-style Huber by default).
    public var loss = RowLoss.huber(delta: 1e-3)
    public var bootstrap = BootstrapOptions(resamples: 0)
    public var threads: Int?
    public var optimizer = LBFGSOptions()
    public init() {}
}

public struct PowerLawResult: FitReport {
    public let law = "power"
    public var parameters: ParameterTable
    public var point: PowerLawParameters
    public var xColumn: String
    public var yColumn: String
    /// Σ ρ(log residual) at the estimate.
    public var objective: Double
    public var nRows: Int
    public var residuals: [Residual]
    public var bootstrapResamples: Int
    public var bootstrapSucceeded: Int
    public var warnings: [String]
    public var bootstrapSamples: [PowerLawParameters]

    public func predict(_ x: Double) -> Double { point.value(x) }

    /// The 95% band of the fitted curve at x over bootstrap refits (nil without bootstrap).
    public func band(at x: Double) -> [Double]? {
        bootstrapSamples.isEmpty ? nil : Stats.interval95(bootstrapSamples.map { $0.value(x) })
    }

    public func detailLines() -> [String] {
        ["\(yColumn) = E + A·\(xColumn)^(−alpha) fitted on \(nRows) rows; objective \(formatNumber(objective))"]
    }

    enum CodingKeys: String, CodingKey {
        case law, parameters, xColumn = "x_column", yColumn = "y_column", objective, nRows = "n_rows", residuals
        case bootstrapResamples = "bootstrap_resamples", bootstrapSucceeded = "bootstrap_succeeded", warnings
    }
}

/// A power law with offset for any column pair, fitted like the Chinchilla law: a robust loss on
/// log residuals of log y = LSE(a − α log x, e), from a data-scaled grid of starts.
public enum PowerLawFit {
    public static func fit(x: [Double], y: [Double], labels: [String]? = nil, xColumn: String = "x", yColumn: String = "y",
                           options: PowerLawOptions = PowerLawOptions()) throws -> PowerLawResult {
        guard x.count == y.count else { throw FitError("power: \(x.count) x values but \(y.count) y values") }
        let ids = labels ?? x.indices.map { "row\($0 + 1)" }
        for i in x.indices {
            for (name, v) in [(xColumn, x[i]), (yColumn, y[i])] where !(v > 0 && v.isFinite) {
                throw FitError("power: \(ids[i]): \(name) = \(v) is not positive")
            }
        }
        let dimension = options.offset ? 3 : 2
        guard x.count > dimension else {
            throw FitError("power: \(x.count) rows for \(dimension) parameters; need at least \(dimension + 1)")
        }
        guard Set(x).count >= 2 else { throw FitError("power: all \(xColumn) values are equal; nothing to fit") }
        let logX = x.map { Foundation.log($0) }, logY = y.map { Foundation.log($0) }
        // θ = (a, α[, e]).
        var terms = [LogSumExpTerm(coefficient: 0, exponent: 1, feature: logX)]
        if options.offset { terms.append(LogSumExpTerm(coefficient: 2, exponent: nil, feature: [])) }
        let objective = LogSumExpObjective(dimension: dimension, terms: terms, target: logY, loss: options.loss)

        let line = Stats.linearFit(x: logX, y: logY)!
        var starts = [[line.intercept, -line.slope] + (options.offset ? [logY.min()! - 3] : [])]
        if options.offset {
            let yMin = y.min()!, xMinLog = logX.min()!, yMaxLog = logY.max()!
            for alpha in [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2] {
                for fraction in [0.05, 0.5, 0.9] {
                    for shift in [-2.0, 0, 2] {
                        starts.append([yMaxLog + alpha * xMinLog + shift, alpha, Foundation.log(fraction * yMin)])
                    }
                }
            }
        }
        let engine = MultiStartBootstrap(starts: starts, screeningIterations: nil, bootstrap: options.bootstrap,
                                         jitter: options.offset ? [0.5, 0.05, 0.2] : [0.5, 0.05],
                                         optimizer: options.optimizer, threads: FitThreads.resolve(options.threads))
        let outcome = engine.run(objective)
        func parameters(_ t: [Double]) -> PowerLawParameters {
            PowerLawParameters(E: options.offset ? Foundation.exp(t[2]) : 0, A: Foundation.exp(t[0]), alpha: t[1])
        }
        let point = parameters(outcome.best)
        let samples = outcome.samples.map(parameters)
        var table = ParameterTable()
        if options.offset { table.append("E", ParameterEstimate(point.E, samples: samples.map(\.E))) }
        table.append("A", ParameterEstimate(point.A, samples: samples.map(\.A)))
        table.append("alpha", ParameterEstimate(point.alpha, samples: samples.map(\.alpha)))
        var warnings: [String] = []
        if outcome.failedRefits > 0 { warnings.append("\(outcome.failedRefits) bootstrap refits failed and were dropped") }
        return PowerLawResult(parameters: table, point: point, xColumn: xColumn, yColumn: yColumn,
                              objective: objective.rawValue(outcome.best), nRows: x.count,
                              residuals: x.indices.map { Residual(runID: ids[$0], observed: y[$0], predicted: point.value(x[$0])) },
                              bootstrapResamples: options.bootstrap.resamples, bootstrapSucceeded: samples.count,
                              warnings: warnings, bootstrapSamples: samples)
    }

    /// Fits `yColumn` against `xColumn` of a table; rows with an empty x or y are skipped (warned).
    public static func fit(_ table: ResultsTable, xColumn: String, yColumn: String,
                           options: PowerLawOptions = PowerLawOptions()) throws -> PowerLawResult {
        let xi = try table.csv.requireColumn(xColumn, for: "--x-col")
        let yi = try table.csv.requireColumn(yColumn, for: "--y-col")
        var x: [Double] = [], y: [Double] = [], ids: [String] = [], skipped: [Int] = []
        for row in 0..<table.rowCount {
            guard let xv = try table.number(row, xi), let yv = try table.number(row, yi) else { skipped.append(row); continue }
            try table.checkPositive(xv, row: row, name: xColumn)
            try table.checkPositive(yv, row: row, name: yColumn)
            x.append(xv); y.append(yv); ids.append(table.runID(row))
        }
        var result = try fit(x: x, y: y, labels: ids, xColumn: xColumn, yColumn: yColumn, options: options)
        if let w = table.skippedWarning(skipped, column: "\(xColumn) or \(yColumn)") { result.warnings.insert(w, at: 0) }
        return result
    }
}
