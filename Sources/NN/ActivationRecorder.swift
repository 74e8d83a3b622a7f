import Tensor

/// Mean |activation| per kind of layer output, accumulated over a forward pass: what the
/// coordinate check of Yang et al. (microsoft/mup's `get_coord_data`) plots against width.
/// A forward records into it only when `ForwardContext.activations` is set; otherwise each site
/// costs one nil check (no allocation, no per-element closure).
public final class ActivationRecorder {
    /// Where the GPT records: the embedding output (token + position), each attention and each
    /// feed-forward branch output (before CompleteP's branch multiplier), each block's output
    /// (the residual stream) and the logits.
    public enum Site: String, CaseIterable, Sendable {
        case embedding, attention, mlp, block, logits
    }

    private var sums = [Double](repeating: 0, count: Site.allCases.count)
    private var counts = [Int](repeating: 0, count: Site.allCases.count)

    public init() {}

    /// Adds mean |x| of one layer's output (averaged over layers of the same site).
    public func record(_ site: Site, _ x: Tensor) {
        let i = Site.allCases.firstIndex(of: site)!
        sums[i] += Self.meanAbs(x)
        counts[i] += 1
    }

    /// Mean over the recorded layers of each site's mean |activation|; nil if none recorded.
    public func mean(_ site: Site) -> Double? {
        let i = Site.allCases.firstIndex(of: site)!
        return counts[i] > 0 ? sums[i] / Double(counts[i]) : nil
    }

    public func reset() {
        for i in sums.indices { sums[i] = 0; counts[i] = 0 }
    }

    static func meanAbs(_ x: Tensor) -> Double {
        let p = x.data, n = x.count
        guard n > 0 else { return 0 }
        var total = 0.0
        var i = 0
        while i < n {  // Float blocks keep precision and vectorise
            let end = min(i + 1024, n)
            var s: Float = 0
            for j in i..<end { s += abs(p[j]) }
            total += Double(s)
            i = end
        }
        return total / Double(n)
    }
}
