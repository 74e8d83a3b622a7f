import Foundation
import RunSchema

/// Model shapes from target parameter counts: for each depth, the width (a multiple of the head
/// dimension) whose exact parameter count (from `GPTConfig.accounting`) is closest to the target;
/// among depths, the one that best balances hitting the target and the aspect ratio
/// d_model / n_layer. The rest of the model (vocab, context, MLP ratio, MoE) comes from the base.
public enum ModelShapes {
    public struct Shape: Equatable, Sendable {
        public var dModel: Int
        public var nLayer: Int
        public var nHead: Int
        public var params: Int
    }

    public static func params(_ config: GPTConfig, _ count: SweepSpec.ShapeRule.Count) -> Int {
        let a = config.accounting
        switch count {
        case .nonEmbedding: return a.nonEmbeddingParams
        case .total: return a.totalParams
        case .active: return a.activeParams
        }
    }

    public static func shape(for target: Double, rule: SweepSpec.ShapeRule, base: GPTConfig) -> Shape? {
        let h = rule.headDim
        func config(d: Int, l: Int) -> GPTConfig {
            var c = base
            c.dModel = d; c.nLayer = l; c.nHead = d / h
            return c
        }
        func count(d: Int, l: Int) -> Double { Double(params(config(d: d, l: l), rule.count)) }
        var best: (score: Double, shape: Shape)?
        // d ≈ aspect·l and N ≈ 12·l·d² bound the useful depths well inside 1...256.
        let lGuess = max(1, Int(Foundation.cbrt(target / (12 * rule.aspectRatio * rule.aspectRatio)).rounded()))
        for l in max(1, lGuess / 4)...max(4, lGuess * 4) {
            // Parameters grow with d: find the first multiple of h at or above the target.
            var k = 1
            while count(d: k * h, l: l) < target && k < 1 << 14 { k *= 2 }
            var lo = k / 2, hi = k
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if count(d: mid * h, l: l) < target { lo = mid } else { hi = mid }
            }
            for m in [lo, hi] where m >= 1 {
                let d = m * h, n = count(d: d, l: l)
                guard n > 0 else { continue }
                let score = 4 * abs(Foundation.log(n / target)) + abs(Foundation.log(Double(d) / Double(l) / rule.aspectRatio))
                if best == nil || score < best!.score {
                    best = (score, Shape(dModel: d, nLayer: l, nHead: m, params: Int(n)))
                }
            }
        }
        return best?.shape
    }
}
