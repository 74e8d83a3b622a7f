/// 8-wide transcendental functions for the elementwise kernels. libm's `expf` is a call per
/// element and never vectorises; these are polynomial approximations (Cephes' `expf` reduction,
/// Abramowitz–Stegun 7.1.26 for erf) accurate to a few ULP (erf: 1.5e-7 absolute), written with
/// operations that lower to plain SSE/AVX (no rounding instructions, no calls).
///
/// Only use SIMD operations checked to inline in release builds: arithmetic, comparisons with
/// `replacing(with:where:)`, `sum()`. The standard library's `pointwiseMin/Max`, `max()` and
/// float→int conversions compile to generic out-of-line calls (20× slower); `vmin`, `vmax`,
/// `horizontalMax` and the exponent bit trick below replace them. Row kernels reduce with
/// `horizontalSum` rather than `sum()`, which adds the lanes one after another.
public typealias Vec8 = SIMD8<Float>

@inline(__always) func vmax(_ a: Vec8, _ b: Vec8) -> Vec8 { a.replacing(with: b, where: a .< b) }
@inline(__always) func vmin(_ a: Vec8, _ b: Vec8) -> Vec8 { a.replacing(with: b, where: b .< a) }

@inline(__always) func vmax4(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { a.replacing(with: b, where: a .< b) }

/// The largest lane, as a tree of vector maxima (a lane-by-lane loop is a chain of compares and
/// branches; short rows, e.g. causal attention's, pay it once per row).
@inline(__always)
func horizontalMax(_ v: Vec8) -> Float {
    let a = vmax4(v.lowHalf, v.highHalf)
    let b = a.lowHalf.replacing(with: a.highHalf, where: a.lowHalf .< a.highHalf)
    return b[0] < b[1] ? b[1] : b[0]
}

/// The sum of the lanes as a tree (3 dependent adds; `sum()` chains 7).
@inline(__always)
func horizontalSum(_ v: Vec8) -> Float {
    let a = v.lowHalf + v.highHalf
    let b = a.lowHalf + a.highHalf
    return b[0] + b[1]
}

// The 8-lane load/store helpers are public and inlinable so that kernels in other modules
// (AdamW in NN) use these rather than copies of them.

@inlinable @inline(__always)
public func load8(_ p: UnsafePointer<Float>) -> Vec8 {
    UnsafeRawPointer(p).loadUnaligned(as: Vec8.self)
}

@inlinable @inline(__always)
public func store8(_ v: Vec8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec8.self)
}

/// Loads `n < 8` floats into the low lanes (rest `fill`), for loop tails.
@inlinable @inline(__always)
public func loadPartial(_ p: UnsafePointer<Float>, _ n: Int, fill: Float = 0) -> Vec8 {
    var v = Vec8(repeating: fill)
    for i in 0..<n { v[i] = p[i] }
    return v
}

@inlinable @inline(__always)
public func storePartial(_ v: Vec8, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n { p[i] = v[i] }
}

/// e^x. Inputs are clamped to [-87.3, 88.7] (results for x < -87.3 are ~1e-38 rather than
/// denormals; callers that need exact zeros mask them out). Every multiply-add is a fused FMA
/// (`addingProduct` lowers to vfmadd; `a * b + c` does not): fewer instructions, and the
/// argument reduction x − n·ln 2 loses less.
@inline(__always)
public func vexp(_ x: Vec8) -> Vec8 {
    let x = vmin(vmax(x, Vec8(repeating: -87.3)), Vec8(repeating: 88.7))
    // n = round(x / ln 2) via the 1.5·2^23 trick: t's low mantissa bits then hold n itself, so
    // the integer needs no conversion instruction (exact for |n| < 2^22).
    let magic = Vec8(repeating: 12582912)
    let t = magic.addingProduct(x, Vec8(repeating: 1.44269504088896341))
    let n = t - magic
    var r = x.addingProduct(n, Vec8(repeating: -0.693359375))
    r = r.addingProduct(n, Vec8(repeating: 2.12194440e-4))
    var p = Vec8(repeating: 1.3981999507e-3).addingProduct(Vec8(repeating: 1.9875691500e-4), r)
    p = Vec8(repeating: 8.3334519073e-3).addingProduct(p, r)
    p = Vec8(repeating: 4.1665795894e-2).addingProduct(p, r)
    p = Vec8(repeating: 1.6666665459e-1).addingProduct(p, r)
    p = Vec8(repeating: 5.0000001201e-1).addingProduct(p, r)
    let y = r.addingProduct(p, r * r) + 1
    let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000  // bits of 1.5·2^23
    let scale = unsafeBitCast((ni &+ 127) &<< 23, to: Vec8.self)   // 2^n
    return y * scale
}

@inline(__always)
public func vtanh(_ x: Vec8) -> Vec8 {
    // tanh x = 1 − 2/(e^{2x} + 1): saturates cleanly to ±1 at both ends.
    1 - 2 / (vexp(2 * x) + 1)
}

@inline(__always)
public func vsigmoid(_ x: Vec8) -> Vec8 {
    1 / (1 + vexp(-x))
}

@inline(__always)
public func verf(_ x: Vec8) -> Vec8 {
    let a = vmin(vabs(x), Vec8(repeating: 10))
    let t = 1 / (1 + 0.3275911 * a)
    var p = Vec8(repeating: 1.061405429)
    p = p * t - 1.453152027
    p = p * t + 1.421413741
    p = p * t - 0.284496736
    p = p * t + 0.254829592
    let y = 1 - p * t * vexp(-a * a)
    return Vec8(repeating: 1).replacing(with: -1, where: x .< 0) * y
}

@inline(__always)
func vabs(_ v: Vec8) -> Vec8 { v.replacing(with: -v, where: v .< 0) }

/// Scalar versions through the same code path, so scalar tails match vector lanes exactly.
@inline(__always) public func fexp(_ x: Float) -> Float { vexp(Vec8(repeating: x))[0] }
