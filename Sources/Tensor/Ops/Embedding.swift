/// Embedding lookup: rows of `weight` [V, C] gathered by integer ids. Backward scatter-adds the
/// output gradient into the rows it came from (a row used twice gets both contributions).
public func embedding(_ weight: Tensor, _ ids: Indices) -> Tensor {
    guard weight.rank == 2 else { fatalError("embedding: weight must be [vocab, dim], got \(weight.shape)") }
    let v = weight.shape[0], c = weight.shape[1]
    for id in ids.values where id < 0 || Int(id) >= v {
        fatalError("embedding: id \(id) is out of range for a table of \(v) rows (weight \(weight.shape))")
    }
    let out = Tensor(uninitialized: ids.shape + [c])
    let w = weight.data, o = out.data
    ids.values.withUnsafeBufferPointer { idp in
        parallelFor(ids.count, grain: Swift.max(1, 8192 / Swift.max(c, 1))) { r in
            for i in r { (o + i * c).update(from: w + Int(idp[i]) * c, count: c) }
        }
    }
    return out.recording("embedding", [weight]) { _, g in
        let (dw, _) = weight.gradBuffer(zeroed: true)
        let gp = g.data
        // Split by column range so threads never write the same address; row order is fixed.
        ids.values.withUnsafeBufferPointer { idp in
            parallelFor(c, grain: 64) { cols in
                for i in 0..<idp.count {
                    let dst = dw + Int(idp[i]) * c, src = gp + i * c
                    for j in cols { dst[j] += src[j] }
                }
            }
        }
    }
}
