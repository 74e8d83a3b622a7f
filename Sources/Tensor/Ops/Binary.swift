/// Elementwise binary ops with NumPy broadcasting: add, sub, mul, div, and their scalar forms.

protocol BinaryKernel {
    static func apply(_ a: Float, _ b: Float) -> Float
}
enum AddKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
enum SubKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
enum MulKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
enum DivKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }

/// out = K(a, b) under broadcasting; `out` has the broadcast shape.
@inline(__always)
func broadcastKernel<K: BinaryKernel>(_: K.Type, _ a: Tensor, _ b: Tensor, into out: UnsafeMutablePointer<Float>, shape: [Int]) {
    let pa = a.data, pb = b.data
    if a.shape == b.shape {
        parallelFor(a.count, grain: 1 << 15) { r in
            for i in r { out[i] = K.apply(pa[i], pb[i]) }
        }
        return
    }
    let plan = BroadcastPlan(out: shape, a: a.shape, b: b.shape)
    let inner = plan.inner, sa = plan.innerStrideA, sb = plan.innerStrideB
    parallelFor(plan.rows, grain: max(1, (1 << 15) / max(inner, 1))) { rows in
        for row in rows {
            let (oa, ob) = plan.offsets(row: row)
            let x = pa + oa, y = pb + ob, o = out + row * inner
            switch (sa, sb) {
            case (1, 1): for i in 0..<inner { o[i] = K.apply(x[i], y[i]) }
            case (1, _): let s = y[0]; for i in 0..<inner { o[i] = K.apply(x[i], s) }
            case (_, 1): let s = x[0]; for i in 0..<inner { o[i] = K.apply(s, y[i]) }
            default: let v = K.apply(x[0], y[0]); for i in 0..<inner { o[i] = v }
            }
        }
    }
}

extension Tensor {
    fileprivate static func binary<K: BinaryKernel>(
        _ k: K.Type, _ name: String, _ a: Tensor, _ b: Tensor,
        backward: @escaping (_ a: Tensor, _ b: Tensor, _ g: Tensor, _ shape: [Int]) -> Void
    ) -> Tensor {
        let shape = Shape.check { () throws(ShapeError) in try Shape.broadcast(a.shape, b.shape, op: name) }
        let out = Tensor(uninitialized: shape)
        broadcastKernel(k, a, b, into: out.data, shape: shape)
        return out.recording(name, [a, b]) { _, g in backward(a, b, g, shape) }
    }

    /// Adds `g` (of the broadcast shape) into `t.grad`, summing over broadcast dimensions.
    fileprivate static func accumulateBroadcastGrad(_ t: Tensor, _ g: Tensor) {
        guard t.requiresGrad else { return }
        if g.shape == t.shape { t.accumulateGrad(g); return }
        let (dst, _) = t.gradBuffer(zeroed: true)
        sumToShape(g.data, from: g.shape, into: dst, to: t.shape)
    }

    /// g ∘ other (broadcast), for mul/div backward.
    fileprivate static func product<K: BinaryKernel>(_ k: K.Type, _ g: Tensor, _ other: Tensor, _ shape: [Int]) -> Tensor {
        let t = Tensor(uninitialized: shape)
        broadcastKernel(k, g, other, into: t.data, shape: shape)
        return t
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        binary(AddKernel.self, "add", a, b) { a, b, g, _ in
            accumulateBroadcastGrad(a, g); accumulateBroadcastGrad(b, g)
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        binary(SubKernel.self, "sub", a, b) { a, b, g, _ in
            accumulateBroadcastGrad(a, g)
            if b.requiresGrad { accumulateBroadcastGrad(b, g.scaled(-1)) }
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        binary(MulKernel.self, "mul", a, b) { a, b, g, shape in
            if a.requiresGrad { accumulateBroadcastGrad(a, product(MulKernel.self, g, b, shape)) }
            if b.requiresGrad { accumulateBroadcastGrad(b, product(MulKernel.self, g, a, shape)) }
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        binary(DivKernel.self, "div", a, b) { a, b, g, shape in
            let gOverB = product(DivKernel.self, g, b, shape)
            if a.requiresGrad { accumulateBroadcastGrad(a, gOverB) }
            if b.requiresGrad {
                // d(a/b)/db = −a/b² = −(g/b)·(a/b)
                let quotient = product(DivKernel.self, a, b, shape)
                let gb = product(MulKernel.self, gOverB, quotient, shape)
                accumulateBroadcastGrad(b, gb.scaled(-1))
            }
        }
    }

    public static prefix func - (a: Tensor) -> Tensor { a.scaled(-1) }

    // MARK: scalar forms

    /// a·s + t in one pass (the building block of the scalar ops).
    public func affine(scale s: Float, shift t: Float) -> Tensor {
        let out = Tensor(uninitialized: shape)
        let x = data, o = out.data
        parallelFor(count, grain: 1 << 15) { r in for i in r { o[i] = x[i] * s + t } }
        return out.recording("affine", [self]) { _, g in
            guard self.requiresGrad else { return }
            self.accumulateGrad(s == 1 ? g : g.noGradAffine(scale: s, shift: 0))
        }
    }

    func noGradAffine(scale s: Float, shift t: Float) -> Tensor {
        Tensor.noGrad { affine(scale: s, shift: t) }
    }

    public func scaled(_ s: Float) -> Tensor { affine(scale: s, shift: 0) }

    public static func + (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func + (s: Float, a: Tensor) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: -s) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.affine(scale: -1, shift: s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1 / s, shift: 0) }
    /// s / a, elementwise.
    public static func / (s: Float, a: Tensor) -> Tensor { Tensor(s) / a }
}
