import Foundation

/// Softmax, log-softmax and fused cross-entropy over the last axis.

extension Tensor {
    fileprivate var rowsAndWidth: (rows: Int, width: Int) {
        let w = shape.last ?? 1
        return (count / Swift.max(w, 1), w)
    }

    public func softmax() -> Tensor {
        let (rows, n) = rowsAndWidth
        let out = Tensor(uninitialized: shape)
        let x = data, y = out.data
        parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { r in
            for i in r {
                let xi = x + i * n, yi = y + i * n
                let s = expShifted(xi, yi, n, shift: rowMax(xi, n))
                scaleRow(yi, n, by: 1 / s)
            }
        }
        return out.recording("softmax", [self]) { out, g in
            // dx = y ∘ (g − ⟨g, y⟩)
            let (dx, acc) = self.gradBuffer(zeroed: false)
            let y = out.data, gp = g.data
            parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { r in
                for i in r {
                    let yi = y + i * n, gi = gp + i * n, di = dx + i * n
                    let d = dot(gi, yi, n)
                    if acc { for j in 0..<n { di[j] += yi[j] * (gi[j] - d) } } else { for j in 0..<n { di[j] = yi[j] * (gi[j] - d) } }
                }
            }
        }
    }

    public func logSoftmax() -> Tensor {
        let (rows, n) = rowsAndWidth
        let out = Tensor(uninitialized: shape)
        let x = data, y = out.data
        parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { r in
            for i in r {
                let xi = x + i * n, yi = y + i * n
                let m = rowMax(xi, n)
                let lse = m + Foundation.log(sumExpShifted(xi, n, shift: m))
                for j in 0..<n { yi[j] = xi[j] - lse }
            }
        }
        return out.recording("log_softmax", [self]) { out, g in
            // dx = g − softmax·Σg
            let (dx, acc) = self.gradBuffer(zeroed: false)
            let y = out.data, gp = g.data
            parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { r in
                for i in r {
                    let yi = y + i * n, gi = gp + i * n, di = dx + i * n
                    var gs: Float = 0
                    for j in 0..<n { gs += gi[j] }
                    // −Σg·exp(y) is the softmax-gradient row with scale −Σg; then add g.
                    expScaledRow(yi, di, n, shift: 0, scale: -gs, accumulate: acc)
                    for j in 0..<n { di[j] += gi[j] }
                }
            }
        }
    }
}

/// Mean cross-entropy between `logits` [..., V] and integer `targets` (one per row), fused:
/// forward keeps only each row's log-sum-exp; backward recomputes softmax from the logits and
/// writes (softmax − onehot)/count directly. Rows whose target equals `ignoreIndex` count for
/// nothing (PyTorch's `ignore_index`).
public func crossEntropy(logits: Tensor, targets: Indices, ignoreIndex: Int32? = nil) -> Tensor {
    let v = logits.shape.last ?? 0
    let rows = logits.count / Swift.max(v, 1)
    guard targets.count == rows else {
        fatalError("crossEntropy: logits \(logits.shape) have \(rows) rows but targets \(targets.shape) have \(targets.count) values")
    }
    for t in targets.values where t != ignoreIndex && (t < 0 || Int(t) >= v) {
        fatalError("crossEntropy: target \(t) is out of range for \(v) classes (logits \(logits.shape))")
    }
    let lse = Tensor(uninitialized: [rows])
    let x = logits.data, l = lse.data
    let chunks = chunkCount(rows, grain: Swift.max(1, 8192 / Swift.max(v, 1)))
    var partial = [Double](repeating: 0, count: chunks)
    var valid = 0
    for t in targets.values where t != ignoreIndex { valid += 1 }
    targets.values.withUnsafeBufferPointer { tp in
        partial.withUnsafeMutableBufferPointer { pp in
            parallelChunks(rows, grain: Swift.max(1, 8192 / Swift.max(v, 1))) { c, r in
                var acc = 0.0
                for i in r {
                    let xi = x + i * v
                    let m = rowMax(xi, v)
                    l[i] = m + Foundation.log(sumExpShifted(xi, v, shift: m))
                    if tp[i] != ignoreIndex { acc += Double(l[i] - xi[Int(tp[i])]) }
                }
                pp[c] = acc
            }
        }
    }
    let total = partial.reduce(0, +)
    let out = Tensor(valid == 0 ? Float.nan : Float(total / Double(valid)))
    return out.recording("cross_entropy", [logits]) { _, g in
        let (dx, acc) = logits.gradBuffer(zeroed: false)
        let l = lse.data  // captures lse: the saved statistics live as long as this closure
        let scaleFactor = g.data[0] / Float(Swift.max(valid, 1))
        targets.values.withUnsafeBufferPointer { tp in
            parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(v, 1))) { r in
                for i in r {
                    let xi = x + i * v, di = dx + i * v
                    let ignored = tp[i] == ignoreIndex
                    if ignored {
                        if !acc { di.update(repeating: 0, count: v) }
                        continue
                    }
                    expScaledRow(xi, di, v, shift: l[i], scale: scaleFactor, accumulate: acc)
                    di[Int(tp[i])] -= scaleFactor
                }
            }
        }
    }
}
