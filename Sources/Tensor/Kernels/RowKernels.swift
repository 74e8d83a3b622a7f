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
