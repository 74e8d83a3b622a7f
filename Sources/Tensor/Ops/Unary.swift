import Foundation

/// Elementwise unary ops and activations (plus SwiGLU, which gates one half of the last axis by
/// the other). Each kernel is 8 lanes wide; `derivative` gets the input, the saved output and
/// the incoming gradient, and returns the input gradient.
protocol UnaryKernel {
    static var name: String { get }
    static func value(_ x: Vec8) -> Vec8
    static func derivative(x: Vec8, y: Vec8, g: Vec8) -> Vec8
}

enum ExpOp: UnaryKernel {
    static let name = "exp"
    @inline(__always) static func value(_ x: Vec8) -> Vec8 { vexp(x) }
    @inline(__always) static func derivative(x: Vec8, y: Vec8, g: Vec8) -> Vec8 { g * y }
}
enum SqrtOp: UnaryKernel {
    static let name = "sqrt"
    @inline(__always) static func value(_ x: Vec8) -> Vec8 { x.squareRoot() }
    @inline(__always) static func derivative(x: Vec8, y: Vec8, g: Vec8) -> Vec8 { g * 0.5 / y }
}
enum RsqrtOp: UnaryKernel {
    static let name = "rsqrt"
    @inline(__always) static func value(_ x: Vec8) -> Vec8 { 1 / x.squareRoot() }
    @inline(__always) static func derivative(x: Vec8, y: Vec8, g: Vec8) -> Vec8 { g * -0.5 * y * y * y }
}
enum TanhOp: UnaryKernel {
    static let name = "tanh"
    @inline(__always) static func value(_ x: Vec8) -> Vec8 { vtanh(x) }
    @inline(__always) static func derivative(x: Vec8, y: Vec8, g: Vec8) -> Vec8 { g * (1 - y * y) }
}
/// σ(x) with the derivative from the output, y(1 − y): no exp(−x) overflow into 0·∞.
enum SigmoidOp: UnaryKernel {
    static let name = "sigmoid"
    @inline(__always) static func value(_ x: Vec8) -> Vec8 { vsigmoid(x) }
    @inline(__always) static func derivative(x: Vec8, y: Vec8, g: Vec8) -> Vec8 { g * y * (1 - y) }
}
enum ReluOp: UnaryKernel {
    static let name = "relu"
    @inline(__always) static func value(_ x: Vec8) -> Vec8 { vmax(x, .zero) }
    @inline(__always) static func derivative(x: Vec8, y: Vec8, g: Vec8) -> Vec8 { Vec8.zero.replacing(with: g, where: x .> 0) }
}
enum SiluOp: UnaryKernel {
    static let name = "silu"
    @inline(__always) static func value(_ x: Vec8) -> Vec8 { x * vsigmoid(x) }
    @inline(__always) static func derivative(x: Vec8, y: Vec8, g: Vec8) -> Vec8 {
        let s = vsigmoid(x)
        return g * s * (1 + x * (1 - s))
    }
}
/// GELU, tanh approximation (GPT-2's): ½x(1 + tanh(√(2/π)(x + 0.044715x³))). `geluTanh()` uses
/// the forward/backward pair that carries t = tanh(u); `value`/`derivative` serve the generic paths.
enum GeluTanhOp: UnaryKernel {
    static let name = "gelu_tanh"
    static let c: Float = 0.7978845608028654  // √(2/π)
    @inline(__always) static func valueAndTanh(_ x: Vec8) -> (y: Vec8, t: Vec8) {
        let t = vtanh(c * (x + 0.044715 * x * x * x))
        return (0.5 * x * (1 + t), t)
    }
    /// d/dx ½x(1 + t) = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²), times g.
    @inline(__always) static func derivative(x: Vec8, t: Vec8, g: Vec8) -> Vec8 {
        let dInner: Vec8 = c * (1 + 3 * 0.044715 * (x * x))
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dInner)
    }
    @inline(__always) static func value(_ x: Vec8) -> Vec8 { valueAndTanh(x).y }
    @inline(__always) static func derivative(x: Vec8, y: Vec8, g: Vec8) -> Vec8 {
        derivative(x: x, t: valueAndTanh(x).t, g: g)
    }
}
/// GELU, exact: xΦ(x) = ½x(1 + erf(x/√2)).
enum GeluExactOp: UnaryKernel {
    static let name = "gelu"
    @inline(__always) static func value(_ x: Vec8) -> Vec8 { 0.5 * x * (1 + verf(x * 0.7071067811865476)) }
    @inline(__always) static func derivative(x: Vec8, y: Vec8, g: Vec8) -> Vec8 {
        let cdf = 0.5 * (1 + verf(x * 0.7071067811865476))
        let pdf = 0.3989422804014327 * vexp(-0.5 * x * x)
        return g * (cdf + x * pdf)
    }
}

@inline(__always)
func mapKernel<K: UnaryKernel>(_: K.Type, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    parallelFor(n / 8, grain: 1 << 12) { r in
        for c in r { store8(K.value(load8(x + 8 * c)), y + 8 * c) }
    }
    let tail = n % 8, base = n - tail
    if tail > 0 { storePartial(K.value(loadPartial(x + base, tail, fill: 1)), y + base, tail) }
}

/// dx (+)= K'(x, y)·g over `n` elements.
@inline(__always)
func derivativeKernel<K: UnaryKernel>(
    _: K.Type, x: UnsafePointer<Float>, y: UnsafePointer<Float>, g: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, accumulate: Bool, _ n: Int
) {
    parallelFor(n / 8, grain: 1 << 12) { r in
        if accumulate {
            for c in r { let o = 8 * c; store8(load8(dx + o) + K.derivative(x: load8(x + o), y: load8(y + o), g: load8(g + o)), dx + o) }
        } else {
            for c in r { let o = 8 * c; store8(K.derivative(x: load8(x + o), y: load8(y + o), g: load8(g + o)), dx + o) }
        }
    }
    let tail = n % 8, base = n - tail
    if tail > 0 {
        let d = K.derivative(x: loadPartial(x + base, tail, fill: 1), y: loadPartial(y + base, tail, fill: 1),
                             g: loadPartial(g + base, tail))
        let prev = accumulate ? loadPartial(dx + base, tail) : .zero
        storePartial(prev + d, dx + base, tail)
    }
}

extension Tensor {
    func unary<K: UnaryKernel>(_ k: K.Type) -> Tensor {
        let out = Tensor(uninitialized: shape)
        mapKernel(k, data, out.data, count)
        return out.recording(K.name, [self]) { out, g in
            let (dx, acc) = self.gradBuffer(zeroed: false)
            derivativeKernel(k, x: self.data, y: out.data, g: g.data, dx: dx, accumulate: acc, self.count)
        }
    }

    public func exp() -> Tensor { unary(ExpOp.self) }
    public func sqrt() -> Tensor { unary(SqrtOp.self) }
    public func rsqrt() -> Tensor { unary(RsqrtOp.self) }
    public func tanh() -> Tensor { unary(TanhOp.self) }
    public func relu() -> Tensor { unary(ReluOp.self) }
    public func silu() -> Tensor { unary(SiluOp.self) }
    /// GELU; `approximate: true` is the tanh form GPT-2 uses, false the exact erf form.
    public func gelu(approximate: Bool = true) -> Tensor {
        approximate ? geluTanh() : unary(GeluExactOp.self)
    }

    /// The tanh GELU, keeping tanh(u) from the forward pass when a gradient will be needed, so
    /// the backward pass is a few FMAs per element instead of a second exp and division (the
    /// tanh was most of GELU's share of a small model's step). Inference saves nothing.
    func geluTanh() -> Tensor {
        let out = Tensor(uninitialized: shape)
        guard Tensor.needsGrad([self]) else {
            mapKernel(GeluTanhOp.self, data, out.data, count)
            return out
        }
        let saved = Tensor(uninitialized: shape)  // tanh(√(2/π)(x + 0.044715x³))
        let x = data, y = out.data, t = saved.data, n = count
        parallelFor(n / 8, grain: 1 << 12) { r in
            for c in r {
                let o = 8 * c, v = GeluTanhOp.valueAndTanh(load8(x + o))
                store8(v.y, y + o); store8(v.t, t + o)
            }
        }
        let tail = n % 8, base = n - tail
        if tail > 0 {
            let v = GeluTanhOp.valueAndTanh(loadPartial(x + base, tail))
            storePartial(v.y, y + base, tail); storePartial(v.t, t + base, tail)
        }
        return out.recording(GeluTanhOp.name, [self]) { _, g in
            let (dx, acc) = self.gradBuffer(zeroed: false)
            let gp = g.data, t = saved.data  // capturing `saved` keeps its buffer out of the pool
            parallelFor(n / 8, grain: 1 << 12) { r in
                if acc {
                    for c in r { let o = 8 * c; store8(load8(dx + o) + GeluTanhOp.derivative(x: load8(x + o), t: load8(t + o), g: load8(gp + o)), dx + o) }
                } else {
                    for c in r { let o = 8 * c; store8(GeluTanhOp.derivative(x: load8(x + o), t: load8(t + o), g: load8(gp + o)), dx + o) }
                }
            }
            if tail > 0 {
                let d = GeluTanhOp.derivative(x: loadPartial(x + base, tail), t: loadPartial(t + base, tail), g: loadPartial(gp + base, tail))
                storePartial((acc ? loadPartial(dx + base, tail) : .zero) + d, dx + base, tail)
            }
        }
    }
    public func sigmoid() -> Tensor { unary(SigmoidOp.self) }
    public func reciprocal() -> Tensor { 1 / self }

    /// SwiGLU over the last axis: [..., 2H] → [..., H], silu(first half) ⊙ second half
    /// (Shazeer 2020; the gate and up projections come from one fused linear layer).
    public func swiglu() -> Tensor {
        guard let w2 = shape.last, w2 % 2 == 0 else { fatalError("swiglu: last dimension of \(shape) must be even") }
        let h = w2 / 2, rows = count / Swift.max(w2, 1)
        let out = Tensor(uninitialized: Array(shape.dropLast()) + [h])
        let x = data, o = out.data
        parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(h, 1))) { r in
            for row in r {
                let a = x + row * w2, bb = a + h, y = o + row * h
                var i = 0
                while i + 8 <= h { let av = load8(a + i); store8(av * vsigmoid(av) * load8(bb + i), y + i); i += 8 }
                while i < h { let s = 1 / (1 + fexp(-a[i])); y[i] = a[i] * s * bb[i]; i += 1 }
            }
        }
        return out.recording("swiglu", [self]) { _, g in
            let (dx, acc) = self.gradBuffer(zeroed: false)
            let gp = g.data
            parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(h, 1))) { r in
                for row in r {
                    let a = x + row * w2, bb = a + h, gr = gp + row * h
                    let da = dx + row * w2, db = da + h
                    for i in 0..<h {
                        let s = 1 / (1 + fexp(-a[i]))
                        let silu = a[i] * s
                        let dSilu = s * (1 + a[i] * (1 - s))
                        let ga = gr[i] * bb[i] * dSilu, gb = gr[i] * silu
                        if acc { da[i] += ga; db[i] += gb } else { da[i] = ga; db[i] = gb }
                    }
                }
            }
        }
    }

    /// Natural logarithm (libm per element: not used on hot paths).
    public func log() -> Tensor {
        let out = Tensor(uninitialized: shape)
        let x = data, y = out.data
        parallelFor(count, grain: 1 << 14) { r in for i in r { y[i] = Foundation.log(x[i]) } }
        return out.recording("log", [self]) { _, g in
            let (dx, acc) = self.gradBuffer(zeroed: true)
            _ = acc
            let gp = g.data, xp = self.data
            for i in 0..<self.count { dx[i] += gp[i] / xp[i] }
        }
    }
}
