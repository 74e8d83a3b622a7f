import Foundation

/// Grid lines, tick marks, tick labels and axis labels of a panel.
extension PanelRenderer {
    func drawGrid(_ layout: Layout, svg: SVGWriter) {
        let plot = layout.plot
        svg.open("g", [("class", "grid"), ("fill", "none")])
        for (ticks, isX) in [(layout.xTicks, true), (layout.yTicks, false)] {
            for tick in ticks {
                let map = isX ? layout.xMap : layout.yMap
                guard let p = map.pixel(tick.value) else { continue }
                let color = tick.isMajor ? "#e3e3e3" : "#f2f2f2"
                if isX {
                    svg.leaf("line", [
                        ("x1", svg.num(p)), ("y1", svg.num(plot.y)), ("x2", svg.num(p)), ("y2", svg.num(plot.maxY)),
                        ("stroke", color), ("stroke-width", "1"),
                    ])
                } else {
                    svg.leaf("line", [
                        ("x1", svg.num(plot.x)), ("y1", svg.num(p)), ("x2", svg.num(plot.maxX)), ("y2", svg.num(p)),
                        ("stroke", color), ("stroke-width", "1"),
                    ])
                }
            }
        }
        svg.close("g")
    }

    func drawAxes(_ layout: Layout, svg: SVGWriter) {
        let plot = layout.plot
        let scaleName: (Scale) -> String = { $0 == .log10 ? "log10" : "linear" }

        svg.open("g", [("class", "axis x-axis"), ("data-scale", scaleName(chart.x.scale)), ("stroke", "#333333")])
        for tick in layout.xTicks {
            guard let p = layout.xMap.pixel(tick.value) else { continue }
            let length = tick.isMajor ? Self.tickLength : Self.minorTickLength
            svg.leaf("line", [
                ("class", tick.isMajor ? "tick major" : "tick minor"), ("data-value", "\(tick.value)"),
                ("x1", svg.num(p)), ("y1", svg.num(plot.maxY)), ("x2", svg.num(p)), ("y2", svg.num(plot.maxY + length)),
            ])
            if let label = tick.label {
                svg.text(label, [
                    ("class", "tick-label"), ("x", svg.num(p)), ("y", svg.num(plot.maxY + Self.tickLength + 3 + Font.tick * 0.85)),
                    ("text-anchor", "middle"), ("stroke", "none"), ("fill", "#222222"),
                ])
            }
        }
        if !chart.x.label.isEmpty {
            svg.text(chart.x.label, [
                ("class", "axis-label"), ("x", svg.num(plot.x + plot.width / 2)),
                ("y", svg.num(plot.maxY + Self.tickLength + 4 + Font.tick + 8 + Font.label * 0.8)),
                ("text-anchor", "middle"), ("font-size", svg.num(Font.label)), ("stroke", "none"), ("fill", "#111111"),
            ])
        }
        svg.close("g")

        svg.open("g", [("class", "axis y-axis"), ("data-scale", scaleName(chart.y.scale)), ("stroke", "#333333")])
        for tick in layout.yTicks {
            guard let p = layout.yMap.pixel(tick.value) else { continue }
            let length = tick.isMajor ? Self.tickLength : Self.minorTickLength
            svg.leaf("line", [
                ("class", tick.isMajor ? "tick major" : "tick minor"), ("data-value", "\(tick.value)"),
                ("x1", svg.num(plot.x - length)), ("y1", svg.num(p)), ("x2", svg.num(plot.x)), ("y2", svg.num(p)),
            ])
            if let label = tick.label {
                svg.text(label, [
                    ("class", "tick-label"), ("x", svg.num(plot.x - Self.tickLength - 4)), ("y", svg.num(p + Font.tick * 0.35)),
                    ("text-anchor", "end"), ("stroke", "none"), ("fill", "#222222"),
                ])
            }
        }
        if !chart.y.label.isEmpty {
            let x = 10 + Font.label * 0.8, y = plot.y + plot.height / 2
            svg.text(chart.y.label, [
                ("class", "axis-label"), ("x", svg.num(x)), ("y", svg.num(y)),
                ("transform", "rotate(-90 \(svg.num(x)) \(svg.num(y)))"),
                ("text-anchor", "middle"), ("font-size", svg.num(Font.label)), ("stroke", "none"), ("fill", "#111111"),
            ])
        }
        svg.close("g")
    }
}
