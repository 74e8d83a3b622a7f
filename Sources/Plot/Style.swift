import Foundation

/// An sRGB colour.
public struct Color: Sendable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(red: UInt8((hex >> 16) & 0xFF), green: UInt8((hex >> 8) & 0xFF), blue: UInt8(hex & 0xFF))
    }

    /// `#rrggbb`, as written into the SVG.
    public var hexString: String {
        String(format: "#%02x%02x%02x", red, green, blue)
    }

    public static let black = Color(hex: 0x000000)
    public static let white = Color(hex: 0xFFFFFF)
    public static let gray = Color(hex: 0x666666)

    func mixed(with other: Color, _ t: Double) -> Color {
        func channel(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8(max(0, min(255, (Double(a) * (1 - t) + Double(b) * t).rounded())))
        }
        return Color(red: channel(red, other.red), green: channel(green, other.green), blue: channel(blue, other.blue))
    }
}

/// Marker shapes for scatter and highlighted points.
public enum Marker: String, Sendable, CaseIterable {
    case circle, square, triangle, diamond, star
    /// The shapes cycled through when series outnumber the palette (star is kept for highlights).
    public static let cycle: [Marker] = [.circle, .square, .triangle, .diamond]
}

/// Line dash patterns.
public enum Dash: String, Sendable, CaseIterable {
    case solid, dashed, dotted, dashDot

    /// `stroke-dasharray` value for a line of the given width (nil: solid).
    func dashArray(lineWidth w: Double) -> String? {
        switch self {
        case .solid: return nil
        case .dashed: return "\(NumberText.fixed(4 * w + 2, decimals: 1, trim: true)) \(NumberText.fixed(2 * w + 1, decimals: 1, trim: true))"
        case .dotted: return "\(NumberText.fixed(w, decimals: 1, trim: true)) \(NumberText.fixed(1.5 * w + 1, decimals: 1, trim: true))"
        case .dashDot:
            let long = NumberText.fixed(4 * w + 2, decimals: 1, trim: true)
            let gap = NumberText.fixed(1.5 * w + 1, decimals: 1, trim: true)
            let dot = NumberText.fixed(w, decimals: 1, trim: true)
            return "\(long) \(gap) \(dot) \(gap)"
        }
    }
}

/// How a builder colours a family of series.
public enum Coloring: Sendable, Hashable {
    /// Fixed distinct colours (`Palette.qualitative`), for unordered series such as runs.
    case qualitative
    /// A perceptually ordered ramp (`Palette.sequential`), for ordered series such as FLOP budgets.
    case sequential
}

public enum Palette {
    /// Okabe–Ito's colour-blind-safe set, reordered so the first colours are the most distinct on
    /// white and yellow (weakest on white) comes last.
    public static let qualitative: [Color] = [
        Color(hex: 0x0072B2),  // blue
        Color(hex: 0xD55E00),  // vermillion
        Color(hex: 0x009E73),  // bluish green
        Color(hex: 0xCC79A7),  // reddish purple
        Color(hex: 0xE69F00),  // orange
        Color(hex: 0x56B4E9),  // sky blue
        Color(hex: 0x000000),  // black
        Color(hex: 0xC9B400),  // yellow, darkened to stay visible on white
    ]

    /// Viridis anchors (0, 1/8, ..., 1), for `sequential`.
    private static let viridis: [Color] = [
        Color(hex: 0x440154), Color(hex: 0x46327E), Color(hex: 0x365C8D), Color(hex: 0x277F8E),
        Color(hex: 0x1FA187), Color(hex: 0x4AC16D), Color(hex: 0x9FDA3A), Color(hex: 0xFDE725),
    ]

    /// Viridis at `t` in 0...1, stopping short of the pale yellow end, which vanishes on white.
    public static func sequential(_ t: Double) -> Color {
        let u = max(0, min(1, t.isFinite ? t : 0)) * 0.88
        let position = u * Double(viridis.count - 1)
        let i = min(viridis.count - 2, Int(position))
        return viridis[i].mixed(with: viridis[i + 1], position - Double(i))
    }

    /// `count` colours for series `0..<count`: qualitative colours cycle; sequential colours span
    /// the ramp evenly.
    public static func colors(_ count: Int, _ coloring: Coloring) -> [Color] {
        switch coloring {
        case .qualitative:
            return (0..<count).map { qualitative[$0 % qualitative.count] }
        case .sequential:
            if count == 1 { return [sequential(0.3)] }
            return (0..<count).map { sequential(Double($0) / Double(max(1, count - 1))) }
        }
    }

    /// Marker for series `index`: constant while colours are unique, then a new shape for every
    /// lap through the palette, so series 0 and 8 still differ.
    public static func marker(_ index: Int, coloring: Coloring = .qualitative) -> Marker {
        switch coloring {
        case .qualitative: return Marker.cycle[(index / qualitative.count) % Marker.cycle.count]
        case .sequential: return Marker.cycle[index % Marker.cycle.count]
        }
    }

    /// Dash for series `index`, by the same rule as `marker`.
    public static func dash(_ index: Int) -> Dash {
        Dash.allCases[(index / qualitative.count) % Dash.allCases.count]
    }
}
