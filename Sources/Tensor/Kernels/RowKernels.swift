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
    var total = s.sum()
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
    var total = s.sum()
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
    var total = s.sum()
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
