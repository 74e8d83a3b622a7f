/// Test helpers shared by the test targets: finite-difference gradient checks and seeded inputs.
import Testing
import Tensor

/// Central-difference gradient check. The scalar probe is ⟨f(x), w⟩ for a fixed random
/// cotangent w, accumulated in Double so Float rounding in the sum does not swamp the difference.
/// Every element of every input is perturbed unless `maxElements` caps it (then a fixed stride).
public func gradCheck(
    _ inputs: [Tensor], step h: Float = 5e-3, atol: Double = 2e-3, rtol: Double = 2e-2,
    maxElements: Int = 400, sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Tensor]) -> Tensor
) {
    for x in inputs { x.requiresGrad = true; x.grad = nil }
    let out = f(inputs)
    var rng = RandomState(seed: 99)
    let w = Tensor.randn(out.shape, rng: &rng)
    (out * w).sum().backward()

    func probe() -> Double {
        Tensor.noGrad {
            let y = f(inputs)
            var s = 0.0
            for i in 0..<y.count { s += Double(y.data[i]) * Double(w.data[i]) }
            return s
        }
    }
    for (k, x) in inputs.enumerated() {
        let analytic = x.grad
        let stride = max(1, x.count / maxElements)
        for i in Swift.stride(from: 0, to: x.count, by: stride) {
            let saved = x.data[i]
            x.data[i] = saved + h
            let plus = probe()
            x.data[i] = saved - h
            let minus = probe()
            x.data[i] = saved
            let numeric = (plus - minus) / (2 * Double(h))
            let got = Double(analytic?.data[i] ?? 0)
            let ok = abs(got - numeric) <= atol + rtol * abs(numeric)
            #expect(ok, "input \(k) element \(i): analytic \(got) vs numeric \(numeric)", sourceLocation: sourceLocation)
            if !ok { return }
        }
    }
}

public func randn(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
    var rng = RandomState(seed: seed)
    return Tensor.randn(shape, std: std, rng: &rng)
}

public func uniform(_ shape: [Int], seed: UInt64, _ low: Float, _ high: Float) -> Tensor {
    var rng = RandomState(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, rng: &rng)
}

/// Values pushed away from zero by at least `gap` (for relu and other kinks).
public func awayFromZero(_ shape: [Int], seed: UInt64, gap: Float = 0.05) -> Tensor {
    let t = randn(shape, seed: seed)
    for i in 0..<t.count { let v = t.data[i]; t.data[i] = v >= 0 ? v + gap : v - gap }
    return t
}

public func expectClose(_ a: [Float], _ b: [Float], tol: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, "length \(a.count) vs \(b.count)", sourceLocation: sourceLocation)
    for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > tol * max(1, abs(y)) {
        Issue.record("element \(i): \(x) vs \(y)", sourceLocation: sourceLocation)
        return
    }
}
