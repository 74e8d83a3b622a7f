/// Iteration plan for an elementwise op between two operands broadcast to a common output
/// shape. Dimensions that are contiguous for both operands are merged, so the common cases
/// (same shape, a bias row, a per-row scalar) run as one tight inner loop per output row.
struct BroadcastPlan {
    /// Coalesced output dimensions (outermost first) and per-operand strides (0 = broadcast).
    var sizes: [Int] = []
    var strideA: [Int] = []
    var strideB: [Int] = []
    let count: Int

    init(out: [Int], a: [Int], b: [Int]) {
        count = out.reduce(1, *)
        let rank = out.count
        func strides(_ s: [Int]) -> [Int] {
            var st = [Int](repeating: 0, count: rank)
            var acc = 1
            for i in stride(from: rank - 1, through: 0, by: -1) {
                let j = i - (rank - s.count)
                let d = j >= 0 ? s[j] : 1
                st[i] = d == 1 ? 0 : acc
                acc *= d
            }
            return st
        }
        let sa = strides(a), sb = strides(b)
        // Merge dim i into the (already merged) inner dim when both operands are contiguous across.
        for i in stride(from: rank - 1, through: 0, by: -1) where out[i] != 1 {
            if let last = sizes.last,
               sa[i] == strideA.last! * last, sb[i] == strideB.last! * last {
                sizes[sizes.count - 1] *= out[i]
            } else {
                sizes.append(out[i]); strideA.append(sa[i]); strideB.append(sb[i])
            }
        }
        if sizes.isEmpty { sizes = [1]; strideA = [0]; strideB = [0] }
        sizes.reverse(); strideA.reverse(); strideB.reverse()
    }

    var inner: Int { sizes[sizes.count - 1] }
    var innerStrideA: Int { strideA[strideA.count - 1] }
    var innerStrideB: Int { strideB[strideB.count - 1] }
    var rows: Int { count / max(inner, 1) }

    /// Offsets of operand A and B at the start of output row `row`.
    @inline(__always)
    func offsets(row: Int) -> (Int, Int) {
        var rem = row, oa = 0, ob = 0
        var d = sizes.count - 2
        while d >= 0 {
            let i = rem % sizes[d]
            rem /= sizes[d]
            oa += i * strideA[d]; ob += i * strideB[d]
            d -= 1
        }
        return (oa, ob)
    }
}

/// Sums `src` (shape `from`) down to shape `to`, which must broadcast to `from`: the gradient of
/// a broadcast. Accumulates into `dst` (pass a zeroed buffer for a fresh result).
func sumToShape(_ src: UnsafePointer<Float>, from: [Int], into dst: UnsafeMutablePointer<Float>, to: [Int]) {
    let plan = BroadcastPlan(out: from, a: from, b: to)
    let inner = plan.inner, sb = plan.innerStrideB
    for row in 0..<plan.rows {
        let (_, ob) = plan.offsets(row: row)
        let s = src + row * inner, d = dst + ob
        if sb == 1 {
            for i in 0..<inner { d[i] += s[i] }
        } else {
            var acc: Float = 0
            for i in 0..<inner { acc += s[i] }
            d[0] += acc
        }
    }
}
