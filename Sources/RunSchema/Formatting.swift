import Foundation

/// Number and duration formats shared by the CLI, the sweep tables and run ids.

/// 1.23e9 → "1.23G", 12345 → "12.3k", 42 → "42": three significant digits and an SI suffix.
public func formatCount(_ x: Double) -> String {
    for (scale, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where abs(x) >= scale {
        return String(format: "%.3g", x / scale) + suffix
    }
    return String(format: "%.3g", x)
}

/// Whole seconds as "42s", "3m07s" or "2h05m".
public func formatDuration(_ seconds: Double) -> String {
    let t = Int(seconds.rounded())
    return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m"
        : t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
}

/// 1e+13 → "1e13", 0.001 → "0.001", 3e-4 → "0.0003", 12345.6 → "1.23e4": short enough for run ids.
public func compactNumber(_ x: Double, digits: Int = 3) -> String {
    if x == x.rounded(), abs(x) < 100_000 { return String(Int(x)) }
    var s = String(format: "%.\(digits)g", x)
    if let e = s.firstIndex(of: "e") {
        let mantissa = s[..<e], exponent = Int(s[s.index(after: e)...]) ?? 0
        s = "\(mantissa)e\(exponent)"
    }
    return s
}
