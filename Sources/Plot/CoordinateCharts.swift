import Foundation

/// One measurement of a coordinate check: the mean |activation| of one kind of layer output
/// (`layer`, e.g. "logits") of the model of size `size` (its width or depth) after `step` steps.
public struct CoordinateSample: Sendable {
    public var layer: String
    public var size: Double
    public var step: Int
    public var meanAbs: Double

    public init(layer: String, size: Double, step: Int, meanAbs: Double) {
        self.layer = layer
        self.size = size
        self.step = step
        self.meanAbs = meanAbs
    }
}

extension Charts {
    /// The coordinate check figure of Yang et al. 2022 (Tensor Programs V, Fig. 5): one panel per
    /// layer kind (in first-seen order), mean |activation| against size on log-log axes, one line
    /// per step coloured from early to late. Flat lines: the activations do not grow with size.
    public static func coordinateCheck(
        _ samples: [CoordinateSample], title: String? = "Coordinate check", xLabel: String = "width (d_model)"
    ) -> Figure {
        var layers: [String] = []
        for s in samples where !layers.contains(s.layer) { layers.append(s.layer) }
        let steps = Set(samples.map(\.step)).sorted()
        let panels = layers.map { layer in
            let curves = steps.map { step in
                Curve(name: "step \(step)", points: samples.filter { $0.layer == layer && $0.step == step }
                    .sorted { $0.size < $1.size }.map { Point($0.size, $0.meanAbs) })
            }
            return lossCurves(curves, title: layer, xLabel: xLabel, yLabel: "mean |activation|",
                              xScale: .log10, yScale: .log10, xFormat: .auto, coloring: .sequential)
        }
        return Figure(title: title, panels: panels, columns: min(3, max(panels.count, 1)), panelSize: Size(width: 420, height: 320))
    }
}
