import Foundation

/// Reductions: sum, mean and max over one axis or over everything; log-sum-exp over the last axis.

extension Tensor {
    /// Splits the shape around `axis` into (outer, n, inner).
    fileprivate func around(_ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        return (outer, shape[axis], inner)
    }

    fileprivate func reducedShape(_ axis: Int, keepDims: Bool) -> [Int] {
        var s = shape
        if keepDims { s[axis] = 1 } else { s.remove(at: axis) }
        return s
    }

    /// Sum over `axis`.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "sum")
        let (outer, n, inner) = around(ax)
        let out = Tensor.zeros(reducedShape(ax, keepDims: keepDims))
        let x = data, o = out.data
        parallelFor(outer, grain: Swift.max(1, 4096 / Swift.max(n * inner, 1))) { r in
            for b in r {
                let src = x + b * n * inner, dst = o + b * inner
                if inner == 1 {
                    var acc: Float = 0
                    for j in 0..<n { acc += src[j] }
                    dst[0] = acc
                } else {
                    for j in 0..<n { let row = src + j * inner; for i in 0..<inner { dst[i] += row[i] } }
                }
            }
        }
        return out.recording("sum", [self]) { _, g in
            let (dx, acc) = self.gradBuffer(zeroed: false)
            let gp = g.data
            parallelFor(outer, grain: 1) { r in
                for b in r {
                    let d = dx + b * n * inner, s = gp + b * inner
                    for j in 0..<n {
                        let row = d + j * inner
                        if acc { for i in 0..<inner { row[i] += s[i] } } else { for i in 0..<inner { row[i] = s[i] } }
                    }
                }
            }
        }
    }

    public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "mean")
        return sum(axis: ax, keepDims: keepDims).scaled(1 / Float(shape[ax]))
    }

    /// Maximum over `axis`; the gradient goes to the first position attaining it.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "max")
        let (outer, n, inner) = around(ax)
        guard n > 0 else { fatalError("max: axis \(axis) of shape \(shape) is empty") }
        let out = Tensor(uninitialized: reducedShape(ax, keepDims: keepDims))
        var argmax = [Int32](repeating: 0, count: outer * inner)
        let x = data, o = out.data
        argmax.withUnsafeMutableBufferPointer { am in
            for b in 0..<outer {
                for i in 0..<inner {
                    var best = x[b * n * inner + i], at = 0
                    for j in 1..<Swift.max(n, 1) {
                        let v = x[(b * n + j) * inner + i]
                        if v > best || (v.isNaN && !best.isNaN) { best = v; at = j }
                    }
                    o[b * inner + i] = best
                    am[b * inner + i] = Int32(at)
                }
            }
        }
        return out.recording("max", [self]) { _, g in
            let (dx, _) = self.gradBuffer(zeroed: true)
            let gp = g.data
            for b in 0..<outer {
                for i in 0..<inner {
                    dx[(b * n + Int(argmax[b * inner + i])) * inner + i] += gp[b * inner + i]
                }
            }
        }
    }

    /// Sum of all elements (a scalar tensor).
    public func sum() -> Tensor { reshaped([count]).sum(axis: 0) }
    public func mean() -> Tensor { sum().scaled(1 / Float(Swift.max(count, 1))) }
    public func max() -> Tensor { reshaped([count]).max(axis: 0) }

    /// log Σ exp over the last axis (dimension removed). Backward: softmax·g.
    public func logSumExp() -> Tensor {
        let w = shape.last ?? 0, rows = count / Swift.max(w, 1)
        let out = Tensor(uninitialized: Array(shape.dropLast()))
        let x = data, o = out.data
        parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(w, 1))) { r in
            for i in r { let m = rowMax(x + i * w, w); o[i] = m + Foundation.log(sumExpShifted(x + i * w, w, shift: m)) }
        }
        return out.recording("logsumexp", [self]) { out, g in
            let (dx, acc) = self.gradBuffer(zeroed: false)
            let lse = out.data, gp = g.data
            parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(w, 1))) { r in
                for i in r { expScaledRow(x + i * w, dx + i * w, w, shift: lse[i], scale: gp[i], accumulate: acc) }
            }
        }
    }
}
