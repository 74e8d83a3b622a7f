import Foundation

/// One tick on an axis. Major ticks carry a label and a grid line; minor ticks are short marks
/// (log axes: 2–9 × 10^k between labelled decades).
public struct Tick: Sendable, Hashable {
    public var value: Double
    /// Nil for minor ticks (and for major ticks whose label was thinned out to avoid overlap).
    public var label: String?
    public var isMajor: Bool

    public init(value: Double, label: String?, isMajor: Bool) {
        self.value = value
        self.label = label
        self.isMajor = isMajor
    }
}

/// Tick placement for linear and log10 axes.
public enum Ticks {
    /// Ticks for an axis of the given scale over `domain`, aiming at about `targetCount` labels.
    public static func make(
        scale: Scale, domain: ClosedRange<Double>, targetCount: Int = 6, format: TickFormat = .auto
    ) -> [Tick] {
        switch scale {
        case .linear: return linear(domain, targetCount: targetCount, format: format)
        case .log10: return log10(domain, targetCount: targetCount, format: format)
        }
    }

    /// "Nice" 1/2/5 × 10^k steps: the smallest such step giving at most about `targetCount` ticks.
    public static func linear(
        _ domain: ClosedRange<Double>, targetCount: Int = 6, format: TickFormat = .auto
    ) -> [Tick] {
        let values = linearValues(domain, targetCount: targetCount)
        guard values.count >= 2 else {
            return values.map { Tick(value: $0, label: format.label($0, among: values), isMajor: true) }
        }
        let step = values[1] - values[0]
        let labels = format.labels(for: values, step: step)
        return zip(values, labels).map { Tick(value: $0, label: $1, isMajor: true) }
    }

    /// Log ticks, from sparse to dense as the range narrows:
    /// decades (every 1, 2, 3, 5... decades when wide) with 2–9 minor ticks; then labelled
    /// mantissas {1, 3}, {1, 2, 5}, {1...9} × 10^k; then, for ranges narrower than a factor of ~2,
    /// nice linear steps placed on the log scale.
    public static func log10(
        _ domain: ClosedRange<Double>, targetCount: Int = 6, format: TickFormat = .auto
    ) -> [Tick] {
        let lo = domain.lowerBound, hi = domain.upperBound
        guard lo > 0, hi.isFinite, lo.isFinite, hi >= lo else { return [] }
        let target = max(2, targetCount)
        let minCount = target >= 5 ? 3 : 2
        let a = Foundation.log10(lo), b = Foundation.log10(hi)
        let kLo = Int((a - 1e-9).rounded(.up)), kHi = Int((b + 1e-9).rounded(.down))

        // 1. Whole decades, thinned to every s-th decade (aligned to multiples of s) when wide.
        if kHi >= kLo {
            let steps = [1, 2, 3, 4, 5, 10, 20, 25, 50, 100]
            let counts = steps.map { s in (kLo...kHi).filter { $0 % s == 0 }.count }
            var choice = counts.firstIndex { $0 <= target } ?? steps.count - 1
            // Thinning must not leave a lone label: better slightly too many than one.
            if choice > 0 && counts[choice] < minCount { choice -= 1 }
            let s = steps[choice]
            let decades = (kLo...kHi).filter { $0 % s == 0 }
            if decades.count >= minCount {
                let major = decades.map { pow(10, Double($0)) }
                var minor: [Double] = []
                if s == 1 {
                    for k in Int(a.rounded(.down))...kHi {
                        for m in 2...9 {
                            let v = Double(m) * pow(10, Double(k))
                            if v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12) { minor.append(v) }
                        }
                    }
                } else {
                    minor = (kLo...kHi).filter { $0 % s != 0 }.map { pow(10, Double($0)) }
                }
                return assemble(major: major, minor: minor, format: format)
            }
        }

        // 2. Labelled mantissas within each decade.
        let mantissaSets: [[Int]] = [[1, 3], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]
        let kFirst = Int(a.rounded(.down)), kLast = Int(b.rounded(.up))
        func values(_ mantissas: [Int]) -> [Double] {
            var out: [Double] = []
            for k in kFirst...kLast {
                for m in mantissas {
                    let v = Double(m) * pow(10, Double(k))
                    if v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12) { out.append(v) }
                }
            }
            return out
        }
        for set in mantissaSets {
            let major = values(set)
            if major.count >= minCount {
                let minor = set.count == 9 ? [] : values(Array(Set(2...9).subtracting(set)).sorted())
                return assemble(major: major, minor: minor, format: format)
            }
        }

        // 3. Narrower than the gaps between integer mantissas: linear steps.
        return linear(domain, targetCount: target, format: format)
    }

    /// Tick values for a linear axis (exposed for tests through `linear`).
    static func linearValues(_ domain: ClosedRange<Double>, targetCount: Int) -> [Double] {
        let lo = domain.lowerBound, hi = domain.upperBound
        guard lo.isFinite, hi.isFinite else { return [] }
        guard hi > lo else { return [lo] }
        let step = niceStep(span: hi - lo, targetCount: targetCount)
        let first = (lo / step - 1e-9).rounded(.up), last = (hi / step + 1e-9).rounded(.down)
        guard first <= last, last - first < 1000 else { return [lo, hi] }
        return stride(from: first, through: last, by: 1).map { i in
            let v = i * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
    }

    /// The smallest 1, 2 or 5 × 10^k that is ≥ span / targetCount.
    public static func niceStep(span: Double, targetCount: Int) -> Double {
        let raw = span / Double(max(1, targetCount))
        let magnitude = pow(10, Foundation.log10(raw).rounded(.down))
        let residual = raw / magnitude
        let nice: Double = residual <= 1 + 1e-9 ? 1 : residual <= 2 + 1e-9 ? 2 : residual <= 5 + 1e-9 ? 5 : 10
        return nice * magnitude
    }

    private static func assemble(major: [Double], minor: [Double], format: TickFormat) -> [Tick] {
        let labels = format.labels(for: major, step: nil)
        var ticks = zip(major, labels).map { Tick(value: $0, label: $1, isMajor: true) }
        let majorSet = Set(major)
        ticks += minor.filter { !majorSet.contains($0) }.map { Tick(value: $0, label: nil, isMajor: false) }
        return ticks.sorted { $0.value < $1.value }
    }
}
