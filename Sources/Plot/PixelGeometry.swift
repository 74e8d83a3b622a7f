import Foundation

/// Every series mapped to pixels once: used both to draw and to find a legend corner free of data.
struct PixelGeometry {
    struct Item {
        let prepared: PanelRenderer.Prepared
        /// 0 bands, 1 reference lines, 2 lines and error bars (clipped to the plot); 3 scatter, 4 highlights.
        let layer: Int
        var polylines: [[Point]] = []
        var points: [Point] = []
        /// Data points drawn (before pixel-level decimation of long lines).
        var pointCount: Int {
            switch prepared.series.content {
            case .line: return prepared.polylines.reduce(0) { $0 + $1.count }
            case .errorBars: return polylines.count
            default: return polylines.reduce(0) { $0 + $1.count } + points.count
            }
        }
    }

    private(set) var items: [Item] = []

    init(prepared: [PanelRenderer.Prepared], layout: PanelRenderer.Layout, svg: SVGWriter) {
        let xMap = layout.xMap, yMap = layout.yMap
        func pixel(_ p: Point) -> Point? {
            guard let x = xMap.pixel(p.x), let y = yMap.pixel(p.y) else { return nil }
            return Point(x, y)
        }
        var unordered: [Item] = []
        for p in prepared {
            switch p.series.content {
            case .band:
                var item = Item(prepared: p, layer: 0)
                item.polylines = p.polylines.map { $0.compactMap(pixel) }
                unordered.append(item)
            case .horizontalLine(let y):
                var item = Item(prepared: p, layer: 1)
                if let py = yMap.pixel(y), yMap.contains(y) {
                    item.polylines = [[Point(layout.plot.x, py), Point(layout.plot.maxX, py)]]
                }
                unordered.append(item)
            case .identityLine:
                var item = Item(prepared: p, layer: 1)
                item.polylines = [Self.identity(xMap: xMap, yMap: yMap).compactMap(pixel)]
                unordered.append(item)
            case .line:
                var item = Item(prepared: p, layer: 2)
                item.polylines = p.polylines.map { Self.decimate($0.compactMap(pixel)) }
                unordered.append(item)
            case .errorBars:
                var item = Item(prepared: p, layer: 2)
                item.polylines = p.polylines.filter { xMap.contains($0[0].x) }.compactMap { bar in
                    let ends = bar.compactMap(pixel)
                    return ends.count == 2 ? ends : nil
                }
                unordered.append(item)
            case .scatter, .highlight:
                var isHighlight = false
                if case .highlight = p.series.content { isHighlight = true }
                var item = Item(prepared: p, layer: isHighlight ? 4 : 3)
                item.points = p.points.filter { xMap.contains($0.x) && yMap.contains($0.y) }.compactMap(pixel)
                unordered.append(item)
            }
        }
        // Stable sort by layer keeps the caller's order within a layer.
        items = unordered.enumerated().sorted { ($0.element.layer, $0.offset) < ($1.element.layer, $1.offset) }.map(\.element)
    }

    /// Long training curves have many points per pixel column: keep each column's first, lowest,
    /// highest and last point (in order), which draws the same picture with far fewer points.
    static func decimate(_ line: [Point]) -> [Point] {
        guard line.count > 2000 else { return line }
        var out: [Point] = []
        out.reserveCapacity(4096)
        var start = 0
        while start < line.count {
            let column = line[start].x.rounded(.down)
            var end = start + 1
            var lowest = start, highest = start
            while end < line.count && line[end].x.rounded(.down) == column {
                if line[end].y < line[lowest].y { lowest = end }
                if line[end].y > line[highest].y { highest = end }
                end += 1
            }
            var keep = [start, lowest, highest, end - 1]
            keep.sort()
            var previous = -1
            for i in keep where i != previous {
                out.append(line[i])
                previous = i
            }
            start = end
        }
        return out
    }

    /// y = x over the part of the plot where both axes overlap; sampled when the scales differ
    /// (then it is a curve on screen).
    private static func identity(xMap: AxisMapping, yMap: AxisMapping) -> [Point] {
        let lo = max(xMap.domain.lowerBound, yMap.domain.lowerBound)
        let hi = min(xMap.domain.upperBound, yMap.domain.upperBound)
        guard lo < hi else { return [] }
        if xMap.scale == yMap.scale { return [Point(lo, lo), Point(hi, hi)] }
        let n = 96
        let t0 = xMap.scale.transform(lo), t1 = xMap.scale.transform(hi)
        return (0...n).map { i in
            let v = xMap.scale.inverse(t0 + (t1 - t0) * Double(i) / Double(n))
            return Point(v, v)
        }
    }

    /// How much drawn data a legend box at `rect` would cover.
    func overlap(_ rect: Rect) -> Int {
        var count = 0
        for item in items {
            let pad = item.layer >= 3 ? (item.prepared.series.markerRadius ?? (item.layer == 4 ? 8 : 4)) : 1
            let r = rect.insetBy(-pad)
            for p in item.points where r.contains(p) { count += 1 }
            for line in item.polylines {
                for (a, b) in zip(line, line.dropFirst()) where r.intersects(a, b) { count += 1 }
                if line.count == 1, r.contains(line[0]) { count += 1 }
            }
        }
        return count
    }
}
