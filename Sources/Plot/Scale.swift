import Foundation

/// How an axis maps data values to positions.
public enum Scale: Sendable, Hashable {
    case linear
    /// Base-10 logarithmic; only positive values can be drawn (others are dropped and reported).
    case log10

    /// Whether `value` can be placed on this scale at all.
    public func accepts(_ value: Double) -> Bool {
        switch self {
        case .linear: return value.isFinite
        case .log10: return value.isFinite && value > 0
        }
    }

    /// Position of `value` in the scale's own linear space (identity or log10).
    func transform(_ value: Double) -> Double {
        switch self {
        case .linear: return value
        case .log10: return Foundation.log10(value)
        }
    }

    func inverse(_ t: Double) -> Double {
        switch self {
        case .linear: return t
        case .log10: return pow(10, t)
        }
    }

    /// The range to draw for data spanning `lo...hi` (accepted values only): widened when
    /// degenerate (a single point, all-equal values), then padded by `padding` of the span on
    /// each side, in the scale's own space so log axes pad multiplicatively.
    func paddedDomain(lo: Double, hi: Double, padding: Double = 0.04) -> ClosedRange<Double> {
        var a = transform(lo)
        var b = transform(hi)
        if b - a <= 1e-12 * max(1, abs(a)) {
            switch self {
            case .linear:
                // ±10% of the value keeps a sensible tick scale (3.25 → 2.9...3.6); zero gets ±1.
                let half = a == 0 ? 1 : abs(a) * 0.1
                a -= half
                b += half
            case .log10:
                // Half a decade either side: the decade ticks of the value's neighbourhood.
                a -= 0.5
                b += 0.5
            }
            return inverse(a)...inverse(b)
        }
        let pad = (b - a) * padding
        return inverse(a - pad)...inverse(b + pad)
    }
}

/// Maps data values on one axis to pixel positions: `domain` (data) onto `start...end` (pixels;
/// `end < start` for y axes, which grow upwards).
struct AxisMapping {
    let scale: Scale
    let domain: ClosedRange<Double>
    let start: Double
    let end: Double
    private let t0: Double
    private let t1: Double

    init(scale: Scale, domain: ClosedRange<Double>, start: Double, end: Double) {
        self.scale = scale
        self.domain = domain
        self.start = start
        self.end = end
        t0 = scale.transform(domain.lowerBound)
        t1 = scale.transform(domain.upperBound)
    }

    /// Pixel position, or nil for values the scale cannot place. Values far outside the domain are
    /// clamped to a few plot-widths away so clipped lines keep their direction without producing
    /// huge coordinates.
    func pixel(_ value: Double) -> Double? {
        guard scale.accepts(value) else { return nil }
        let t = (scale.transform(value) - t0) / (t1 - t0)
        guard t.isFinite else { return nil }
        let clamped = min(max(t, -50), 50)
        return start + clamped * (end - start)
    }

    func contains(_ value: Double) -> Bool {
        guard scale.accepts(value) else { return false }
        let slack = (t1 - t0) * 1e-9
        let t = scale.transform(value)
        return t >= t0 - slack && t <= t1 + slack
    }

    var pixelLength: Double { abs(end - start) }
}
