/// Row primitives for softmax-like kernels: vectorised max, exp-and-sum, dot.

@inline(__always)
func rowMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var m = Vec8(repeating: -.infinity)
    var i = 0
    while i + 8 <= n { m = vmax(m, load8(x + i)); i += 8 }
    var r = horizontalMax(m)
    while i < n { r = Swift.max(r, x[i]); i += 1 }
    return r
}

/// y[i] = exp(x[i] − shift); returns Σ y (x and y may alias).
@inline(__always)
func expShifted(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
    var s = Vec8.zero
    var i = 0
    let sh = Vec8(repeating: shift)
    while i + 8 <= n { let e = vexp(load8(x + i) - sh); store8(e, y + i); s += e; i += 8 }
    var total = horizontalSum(s)
    if i < n {
        let tail = n - i
        let e = vexp(loadPartial(x + i, tail) - sh)
        for j in 0..<tail { y[i + j] = e[j]; total += e[j] }
    }
    return total
}

/// Σ exp(x[i] − shift) without storing.
@inline(__always)
func sumExpShifted(_ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> Float {
    var s = Vec8.zero
    var i = 0
    let sh = Vec8(repeating: shift)
    while i + 8 <= n { s += vexp(load8(x + i) - sh); i += 8 }
    var total = horizontalSum(s)
    if i < n {
        let tail = n - i
        let e = vexp(loadPartial(x + i, tail) - sh)
        for j in 0..<tail { total += e[j] }
    }
    return total
}

@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var s = Vec8.zero
    var i = 0
    while i + 8 <= n { s += load8(a + i) * load8(b + i); i += 8 }
    var total = horizontalSum(s)
    while i < n { total += a[i] * b[i]; i += 1 }
    return total
}

@inline(__always)
func scaleRow(_ x: UnsafeMutablePointer<Float>, _ n: Int, by s: Float) {
    for i in 0..<n { x[i] *= s }
}

/// d[i] (+)= scale·exp(x[i] − shift): a softmax-gradient row written straight into its buffer.
@inline(__always)
func expScaledRow(_ x: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int,
                  shift: Float, scale: Float, accumulate: Bool) {
    let sh = Vec8(repeating: shift), sc = Vec8(repeating: scale)
    var i = 0
    if accumulate {
        while i + 8 <= n { store8(load8(d + i) + vexp(load8(x + i) - sh) * sc, d + i); i += 8 }
    } else {
        while i + 8 <= n { store8(vexp(load8(x + i) - sh) * sc, d + i); i += 8 }
    }
    if i < n {
        let tail = n - i
        let e = vexp(loadPartial(x + i, tail) - sh) * sc
        for j in 0..<tail { d[i + j] = (accumulate ? d[i + j] : 0) + e[j] }
    }
}

/// Lane indices 0…7, for masking the ragged end of a row.
@inline(__always) var laneIndices: SIMD8<Int32> { SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) }

/// In place: x[0..<n] = softmax(scale·x[0..<n]) and x[n..<zeroTo] = 0 (scale > 0: attention's
/// score scale, applied here so its products can run with α = 1), where the row's memory holds
/// `capacity` ≥ zeroTo floats. A causal attention row has a ragged valid length (i + 1), so its
/// last partial vector is loaded whole (the floats past `n` are other scores of the same row,
/// finite) and masked, instead of going lane by lane through the stack; rows whose last vector
/// would pass `capacity` take the scalar path for that vector.
@inline(__always)
func softmaxRowInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int, scale: Float = 1, zeroTo: Int, capacity: Int) {
    let full = n & ~7, tail = n - full
    let wholeTail = tail > 0 && full + 8 <= capacity
    let keep = laneIndices .< SIMD8<Int32>(repeating: Int32(tail))
    let negInf = Vec8(repeating: -.infinity)
    var m = negInf
    var i = 0
    while i < full { m = vmax(m, load8(x + i)); i += 8 }
    if wholeTail { m = vmax(m, negInf.replacing(with: load8(x + full), where: keep)) }
    var shift = horizontalMax(m)
    if !wholeTail { for j in full..<n { shift = Swift.max(shift, x[j]) } }
    let sh = Vec8(repeating: shift), sc = Vec8(repeating: scale)
    var s = Vec8.zero
    i = 0
    while i < full { let e = vexp((load8(x + i) - sh) * sc); store8(e, x + i); s += e; i += 8 }
    var tailSum: Float = 0
    if wholeTail {
        let e = Vec8.zero.replacing(with: vexp((load8(x + full) - sh) * sc), where: keep)
        store8(e, x + full)
        s += e
    } else {
        for j in full..<n { let e = fexp((x[j] - shift) * scale); x[j] = e; tailSum += e }
    }
    let inv = Vec8(repeating: 1 / (horizontalSum(s) + tailSum))
    i = 0
    while i < full { store8(load8(x + i) * inv, x + i); i += 8 }
    if wholeTail { store8(load8(x + full) * inv, x + full) } else { for j in full..<n { x[j] *= inv[0] } }
    // The masked lanes already hold zeros up to the vector's end.
    let zeroed = wholeTail ? full + 8 : n
    if zeroTo > zeroed { (x + zeroed).update(repeating: 0, count: zeroTo - zeroed) }
}

/// The masked softmax of a causal attention block, in place: row r of `x` (rows `ld` apart,
/// `ld` ≥ cols) becomes softmax(scale·x) over its first `firstLength + r` entries and zero from
/// there to `cols`. A row of a short context is only a few vectors long, so one row at a time is
/// bound by the latency of its max → exp-sum → normalise chain; four rows side by side keep the
/// FMA pipes busy. Results are bit-identical to `softmaxRowInPlace` row by row (same operations
/// in the same order), which takes the rows left over and strides that are not whole vectors.
func causalSoftmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, ld: Int, firstLength: Int, cols: Int, scale: Float) {
    var r = 0
    if ld % 8 == 0 {
        while r + 4 <= rows {
            causalSoftmaxFourRows(x + r * ld, ld: ld, firstLength: firstLength + r, cols: cols, scale: scale)
            r += 4
        }
    }
    while r < rows {
        softmaxRowInPlace(x + r * ld, firstLength + r, scale: scale, zeroTo: cols, capacity: ld)
        r += 1
    }
}

/// Rows of valid lengths n, n+1, n+2, n+3, each masked in whole vectors (ld is a multiple of 8
/// and ≥ n+3, so every loaded vector lies inside its row; lanes past a row's length are ignored).
@inline(__always)
private func causalSoftmaxFourRows(_ x: UnsafeMutablePointer<Float>, ld: Int, firstLength n: Int, cols: Int, scale: Float) {
    let x0 = x, x1 = x + ld, x2 = x + 2 * ld, x3 = x + 3 * ld
    let vectors = (n + 3 + 7) / 8
    let n0 = SIMD8<Int32>(repeating: Int32(n)), n1 = n0 &+ 1, n2 = n0 &+ 2, n3 = n0 &+ 3
    let negInf = Vec8(repeating: -.infinity)
    var m0 = negInf, m1 = negInf, m2 = negInf, m3 = negInf
    var lane = laneIndices
    for j in 0..<vectors {
        let o = 8 * j
        m0 = vmax(m0, negInf.replacing(with: load8(x0 + o), where: lane .< n0))
        m1 = vmax(m1, negInf.replacing(with: load8(x1 + o), where: lane .< n1))
        m2 = vmax(m2, negInf.replacing(with: load8(x2 + o), where: lane .< n2))
        m3 = vmax(m3, negInf.replacing(with: load8(x3 + o), where: lane .< n3))
        lane &+= 8
    }
    let sh0 = Vec8(repeating: horizontalMax(m0)), sh1 = Vec8(repeating: horizontalMax(m1))
    let sh2 = Vec8(repeating: horizontalMax(m2)), sh3 = Vec8(repeating: horizontalMax(m3))
    let sc = Vec8(repeating: scale)
    var s0 = Vec8.zero, s1 = Vec8.zero, s2 = Vec8.zero, s3 = Vec8.zero
    lane = laneIndices
    for j in 0..<vectors {
        let o = 8 * j
        let e0 = Vec8.zero.replacing(with: vexp((load8(x0 + o) - sh0) * sc), where: lane .< n0)
        let e1 = Vec8.zero.replacing(with: vexp((load8(x1 + o) - sh1) * sc), where: lane .< n1)
        let e2 = Vec8.zero.replacing(with: vexp((load8(x2 + o) - sh2) * sc), where: lane .< n2)
        let e3 = Vec8.zero.replacing(with: vexp((load8(x3 + o) - sh3) * sc), where: lane .< n3)
        store8(e0, x0 + o); store8(e1, x1 + o); store8(e2, x2 + o); store8(e3, x3 + o)
        s0 += e0; s1 += e1; s2 += e2; s3 += e3
        lane &+= 8
    }
    let inv0 = Vec8(repeating: 1 / horizontalSum(s0)), inv1 = Vec8(repeating: 1 / horizontalSum(s1))
    let inv2 = Vec8(repeating: 1 / horizontalSum(s2)), inv3 = Vec8(repeating: 1 / horizontalSum(s3))
    for j in 0..<vectors {
        let o = 8 * j
        store8(load8(x0 + o) * inv0, x0 + o); store8(load8(x1 + o) * inv1, x1 + o)
        store8(load8(x2 + o) * inv2, x2 + o); store8(load8(x3 + o) * inv3, x3 + o)
    }
    let end = 8 * vectors
    if cols > end {
        let count = cols - end
        (x0 + end).update(repeating: 0, count: count); (x1 + end).update(repeating: 0, count: count)
        (x2 + end).update(repeating: 0, count: count); (x3 + end).update(repeating: 0, count: count)
    }
}

/// In place: d[0..<n] = scale·p ∘ (d − ⟨p, d⟩), the softmax backward of one row (attention's dS
/// from dP), where p is zero past the row's valid length (as `softmaxRowInPlace` leaves it up to
/// `zeroTo`) and d is finite: those entries come out exactly zero, so the row needs no masking
/// and runs in whole vectors up to n.
@inline(__always)
func softmaxBackwardRowInPlace(_ p: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int, scale: Float) {
    let full = n & ~7, pd = dot(p, d, n)
    let s = Vec8(repeating: pd), sc = Vec8(repeating: scale)
    var i = 0
    while i < full { store8(sc * load8(p + i) * (load8(d + i) - s), d + i); i += 8 }
    for j in full..<n { d[j] = scale * p[j] * (d[j] - pd) }
}
