import Foundation

/// A pixel rectangle (y grows downwards, as in SVG).
struct Rect {
    var x: Double
    var y: Double
    var width: Double
    var height: Double

    var maxX: Double { x + width }
    var maxY: Double { y + height }

    func insetBy(_ d: Double) -> Rect {
        Rect(x: x + d, y: y + d, width: width - 2 * d, height: height - 2 * d)
    }

    func contains(_ p: Point) -> Bool {
        p.x >= x && p.x <= maxX && p.y >= y && p.y <= maxY
    }

    /// Whether the segment a–b crosses or lies in the rectangle (Liang–Barsky clipping).
    func intersects(_ a: Point, _ b: Point) -> Bool {
        let dx = b.x - a.x, dy = b.y - a.y
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-dx, a.x - x), (dx, maxX - a.x), (-dy, a.y - y), (dy, maxY - a.y)] {
            if p == 0 {
                if q < 0 { return false }
            } else {
                let r = q / p
                if p < 0 { t0 = max(t0, r) } else { t1 = min(t1, r) }
                if t0 > t1 { return false }
            }
        }
        return true
    }
}

/// Marker outlines as SVG elements centred on a pixel position.
enum MarkerShape {
    /// (tag, attributes) for a marker of nominal radius `r`; shapes are sized to look about as
    /// heavy as a circle of that radius.
    static func element(_ marker: Marker, at c: Point, radius r: Double, svg: SVGWriter) -> (String, [(String, String)]) {
        switch marker {
        case .circle:
            return ("circle", [("cx", svg.num(c.x)), ("cy", svg.num(c.y)), ("r", svg.num(r))])
        case .square:
            let s = r * 1.72
            return ("rect", [
                ("x", svg.num(c.x - s / 2)), ("y", svg.num(c.y - s / 2)), ("width", svg.num(s)), ("height", svg.num(s)),
            ])
        case .triangle:
            let R = r * 1.35
            let pts = [Point(c.x, c.y - R), Point(c.x + R * 0.866, c.y + R * 0.5), Point(c.x - R * 0.866, c.y + R * 0.5)]
            return ("path", [("d", svg.pathData([pts], closed: true))])
        case .diamond:
            let R = r * 1.3
            let pts = [Point(c.x, c.y - R), Point(c.x + R * 0.8, c.y), Point(c.x, c.y + R), Point(c.x - R * 0.8, c.y)]
            return ("path", [("d", svg.pathData([pts], closed: true))])
        case .star:
            let outer = r * 1.45, inner = outer * 0.45
            let pts = (0..<10).map { i -> Point in
                let angle = -Double.pi / 2 + Double(i) * Double.pi / 5
                let radius = i % 2 == 0 ? outer : inner
                return Point(c.x + radius * cos(angle), c.y + radius * sin(angle))
            }
            return ("path", [("d", svg.pathData([pts], closed: true))])
        }
    }
}
