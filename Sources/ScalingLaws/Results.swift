import Foundation

/// A fitted value with its 95% bootstrap percentile interval (nil without bootstrap).
public struct ParameterEstimate: Codable, Sendable, Equatable {
    public var estimate: Double
    /// [lo, hi]: the 2.5% and 97.5% percentiles of the bootstrap refits.
    public var ci95: [Double]?
    /// Held at a value the user gave (`--fix`): not fitted, no interval.
    public var fixed: Bool

    public init(estimate: Double, ci95: [Double]? = nil, fixed: Bool = false) {
        self.estimate = estimate
        self.ci95 = ci95
        self.fixed = fixed
    }

    /// Builds an estimate whose interval comes from bootstrap samples (none: no interval).
    init(_ estimate: Double, samples: [Double]) {
        self.estimate = estimate
        self.ci95 = samples.isEmpty ? nil : Stats.interval95(samples)
        self.fixed = false
    }

    enum CodingKeys: String, CodingKey { case estimate, ci95, fixed }

    /// Always writes `ci95` (null without bootstrap) so readers see one shape; `fixed` only when
    /// true (older readers and fit.json files never see it).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(estimate, forKey: .estimate)
        if let ci95 { try c.encode(ci95, forKey: .ci95) } else { try c.encodeNil(forKey: .ci95) }
        if fixed { try c.encode(true, forKey: .fixed) }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        estimate = try c.decode(Double.self, forKey: .estimate)
        ci95 = try c.decodeIfPresent([Double].self, forKey: .ci95)
        fixed = try c.decodeIfPresent(Bool.self, forKey: .fixed) ?? false
    }

    public func contains(_ value: Double) -> Bool {
        guard let ci95 else { return false }
        return ci95[0] <= value && value <= ci95[1]
    }
}

/// Named parameters in a fixed order; encodes as a JSON object {"name": {estimate, ci95}}.
public struct ParameterTable: Codable, Sendable, Equatable {
    public var entries: [(name: String, value: ParameterEstimate)]

    public init(_ entries: [(name: String, value: ParameterEstimate)] = []) { self.entries = entries }

    public subscript(name: String) -> ParameterEstimate? {
        entries.first { $0.name == name }?.value
    }

    public var names: [String] { entries.map(\.name) }

    public mutating func append(_ name: String, _ value: ParameterEstimate) { entries.append((name, value)) }

    /// Shows the given parameters as fixed at their values (no interval).
    mutating func markFixed(_ fixes: [ParameterFix]) {
        for fix in fixes {
            if let k = entries.firstIndex(where: { $0.name == fix.name }) {
                entries[k].value = ParameterEstimate(estimate: fix.value, fixed: true)
            }
        }
    }

    public static func == (lhs: ParameterTable, rhs: ParameterTable) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for entry in entries { try container.encode(entry.value, forKey: Key(stringValue: entry.name)) }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        entries = try container.allKeys.map { ($0.stringValue, try container.decode(ParameterEstimate.self, forKey: $0)) }
    }
}

/// One fitted row: observed and predicted loss; `logResidual` = log(predicted) − log(observed).
public struct Residual: Codable, Sendable, Equatable {
    public var runID: String
    public var observed: Double
    public var predicted: Double
    public var logResidual: Double

    public init(runID: String, observed: Double, predicted: Double) {
        self.runID = runID
        self.observed = observed
        self.predicted = predicted
        self.logResidual = Foundation.log(predicted) - Foundation.log(observed)
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", observed, predicted
        case logResidual = "log_residual"
    }
}

/// What every fit result offers the CLI: a law name, a parameter table, warnings, and any extra
/// human-readable lines (compute-optimal tables, per-budget minima, prediction errors).
/// Results encode through their `CodingKeys` (synthesised), so `law` is a stored constant.
public protocol FitReport: Encodable, Sendable {
    var law: String { get }
    var parameters: ParameterTable { get }
    var warnings: [String] { get }
    /// Law-specific lines printed after the parameter table.
    func detailLines() -> [String]
}

/// Formats a parameter table as aligned text: parameter, estimate, 95% interval.
public func formatParameterTable(_ table: ParameterTable) -> [String] {
    let rows = table.entries.map { entry -> [String] in
        let ci = entry.value.fixed ? "fixed (--fix)" : entry.value.ci95.map { "[\(formatNumber($0[0])), \(formatNumber($0[1]))]" } ?? "—"
        return [entry.name, formatNumber(entry.value.estimate), ci]
    }
    return formatColumns(header: ["parameter", "estimate", "95% interval"], rows: rows)
}

/// Left-aligned columns separated by two spaces.
public func formatColumns(header: [String], rows: [[String]]) -> [String] {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in
            i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    return [line(header)] + rows.map(line)
}

/// Four significant digits (printf %.4g: scientific for large and small magnitudes).
public func formatNumber(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return String(format: "%.4g", value)
}
