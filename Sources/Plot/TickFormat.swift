import Foundation

/// How tick labels (and legend numbers such as "C = 1e15") are written. All styles are compact:
/// no trailing zeros beyond what the tick step needs, "−" (U+2212) for negatives.
public enum TickFormat: Sendable, Hashable {
    /// Chosen per axis from the tick values: `.scientific` when any value is ≥ 1e15 or below 1e-3,
    /// `.si` from 1e4 up, `.decimal` otherwise.
    case auto
    /// 3.25, 0.5, 120.
    case decimal
    /// 500, 10K, 2.5M, 1B, 3T (B for billions, the parameter/token convention).
    case si
    /// 1e18, 3e6, 2.5e17, 1e-3.
    case scientific

    /// Labels for a whole axis, in one consistent style. `step` (linear axes) fixes the number of
    /// decimals so 2.50, 2.75, 3.00 line up; without it each value uses the digits it needs.
    public func labels(for values: [Double], step: Double?) -> [String] {
        let style = resolved(for: values)
        let decimals = step.map { NumberText.decimalsNeeded($0) }
        return values.map { NumberText.format($0, style: style, decimals: decimals) }
    }

    /// Label for one value, in the style `values` (its axis) would get.
    public func label(_ value: Double, among values: [Double]) -> String {
        NumberText.format(value, style: resolved(for: values), decimals: nil)
    }

    /// Label for a lone number (legend entries, titles): e.g. `TickFormat.scientific.label(1e15)`.
    public func label(_ value: Double) -> String {
        label(value, among: [value])
    }

    /// A compute budget for legends and titles: "C = 1e15", "C = 2.51e16" (3 significant digits).
    public static func budgetLabel(_ flops: Double) -> String {
        "C = " + NumberText.scientific(flops, digits: 3).replacingOccurrences(of: "-", with: "\u{2212}")
    }

    func resolved(for values: [Double]) -> TickFormat {
        guard self == .auto else { return self }
        let magnitudes = values.map(abs).filter { $0 > 0 && $0.isFinite }
        guard let lo = magnitudes.min(), let hi = magnitudes.max() else { return .decimal }
        if hi >= 1e15 || lo < 1e-3 { return .scientific }
        if hi >= 1e4 { return .si }
        return .decimal
    }
}

/// Number-to-text helpers shared by ticks and SVG coordinates.
enum NumberText {
    /// Fewest decimals (0...12) that write `x` exactly enough.
    static func decimalsNeeded(_ x: Double) -> Int {
        guard x.isFinite, x != 0 else { return 0 }
        for d in 0...12 {
            let scaled = abs(x) * pow(10, Double(d))
            if abs(scaled - scaled.rounded()) <= 1e-6 * max(1, scaled) { return d }
        }
        return 12
    }

    static func format(_ value: Double, style: TickFormat, decimals: Int?) -> String {
        guard value.isFinite else { return "" }
        let v = abs(value) < 1e-300 ? 0 : value
        let text: String
        switch style {
        case .auto, .decimal:
            text = fixed(v, decimals: decimals ?? min(6, decimalsNeeded(v)), trim: decimals == nil)
        case .si:
            text = si(v)
        case .scientific:
            text = scientific(v)
        }
        return text.hasPrefix("-") ? "\u{2212}" + text.dropFirst() : text
    }

    static func fixed(_ v: Double, decimals: Int, trim: Bool) -> String {
        var s = String(format: "%.\(max(0, decimals))f", v)
        if trim { s = trimZeros(s) }
        if s == "-0" || (Double(s) == 0 && s.hasPrefix("-")) { s.removeFirst() }
        return s
    }

    static func trimZeros(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = s
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }

    /// Up to 4 significant digits, so tick values never show floating-point noise.
    static func significant(_ v: Double, digits: Int = 4) -> String {
        guard v != 0 else { return "0" }
        let magnitude = Int(Foundation.log10(abs(v)).rounded(.down))
        let decimals = max(0, digits - 1 - magnitude)
        return fixed(v, decimals: decimals, trim: true)
    }

    static func si(_ v: Double) -> String {
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")]
        let rounded = Double(significant(v, digits: 6)) ?? v
        for (unit, suffix) in units where abs(rounded) >= unit * (1 - 1e-9) {
            return significant(rounded / unit) + suffix
        }
        return significant(rounded)
    }

    static func scientific(_ v: Double, digits: Int = 4) -> String {
        guard v != 0 else { return "0" }
        var exponent = Int(Foundation.log10(abs(v)).rounded(.down))
        var mantissa = v / pow(10, Double(exponent))
        // 9.99996e5 must print as 1e6, not 10e5.
        if abs(Double(significant(mantissa, digits: digits)) ?? mantissa) >= 10 {
            exponent += 1
            mantissa /= 10
        }
        return significant(mantissa, digits: digits) + "e\(exponent)"
    }
}
