import Testing
import Tensor
import TestSupport

@Suite struct ElementwiseGradTests {
    @Test func addSubMulDivSameShape() {
        gradCheck([randn([3, 4], seed: 1), uniform([3, 4], seed: 2, 0.5, 2)]) { $0[0] + $0[1] }
        gradCheck([randn([3, 4], seed: 1), uniform([3, 4], seed: 2, 0.5, 2)]) { $0[0] - $0[1] }
        gradCheck([randn([3, 4], seed: 1), uniform([3, 4], seed: 2, 0.5, 2)]) { $0[0] * $0[1] }
        gradCheck([randn([3, 4], seed: 1), uniform([3, 4], seed: 2, 0.5, 2)]) { $0[0] / $0[1] }
    }

    @Test(arguments: [([2, 3, 4], [4]), ([2, 3, 4], [3, 1]), ([2, 1, 4], [1, 3, 1]), ([3, 4], []), ([1], [2, 3])])
    func broadcasting(_ shapes: ([Int], [Int])) {
        let a = randn(shapes.0, seed: 3), b = uniform(shapes.1, seed: 4, 0.5, 2)
        gradCheck([a, b]) { $0[0] + $0[1] }
        gradCheck([a, b]) { $0[0] - $0[1] }
        gradCheck([a, b]) { $0[0] * $0[1] }
        gradCheck([a, b]) { $0[0] / $0[1] }
        gradCheck([b, a]) { $0[0] * $0[1] }
    }

    @Test func scalarForms() {
        let x = uniform([5, 3], seed: 5, 0.5, 2)
        gradCheck([x]) { $0[0] + 2 }
        gradCheck([x]) { 3 - $0[0] }
        gradCheck([x]) { $0[0] * -1.5 }
        gradCheck([x]) { $0[0] / 4 }
        gradCheck([x]) { 2 / $0[0] }
        gradCheck([x]) { -$0[0] }
    }

    @Test func unaryMath() {
        gradCheck([randn([4, 5], seed: 6)]) { $0[0].exp() }
        gradCheck([uniform([4, 5], seed: 7, 0.5, 3)]) { $0[0].log() }
        gradCheck([uniform([4, 5], seed: 8, 0.5, 3)]) { $0[0].sqrt() }
        gradCheck([uniform([4, 5], seed: 9, 0.5, 3)]) { $0[0].rsqrt() }
        gradCheck([randn([4, 5], seed: 10)]) { $0[0].tanh() }
        gradCheck([randn([4, 5], seed: 10)]) { $0[0].sigmoid() }
    }

    @Test func activations() {
        gradCheck([awayFromZero([37], seed: 11)]) { $0[0].relu() }
        gradCheck([randn([37], seed: 12, std: 2)]) { $0[0].gelu(approximate: true) }
        gradCheck([randn([37], seed: 13, std: 2)]) { $0[0].gelu(approximate: false) }
        gradCheck([randn([37], seed: 14, std: 2)]) { $0[0].silu() }
        // The tanh GELU's backward reads the tanh saved by its forward: accumulating into a
        // gradient another consumer already wrote, too.
        gradCheck([randn([2, 37], seed: 15, std: 2)]) { $0[0].gelu(approximate: true) * $0[0] }
    }

    /// With and without a gradient to record, the tanh GELU computes the same values.
    @Test func tanhGeluIsTheSameWithoutGrad() {
        let x = randn([3, 37], seed: 16, std: 3)
        x.requiresGrad = true
        let recorded = x.gelu(approximate: true).scalars
        let inference = Tensor.noGrad { x.gelu(approximate: true).scalars }
        #expect(recorded == inference)
    }

    @Test func sigmoidIsFiniteAtBothEnds() {
        let x = Tensor(shape: [4], scalars: [-100, -80, 0, 100], requiresGrad: true)
        let y = x.sigmoid()
        y.sum().backward()
        #expect(y.scalars.allSatisfy { $0.isFinite } && abs(y.data[2] - 0.5) < 1e-7 && abs(y.data[3] - 1) < 1e-7)
        #expect(x.grad!.scalars.allSatisfy { $0.isFinite && $0 >= 0 })
        #expect(abs(x.grad!.data[2] - 0.25) < 1e-7)
    }

    @Test func activationValues() {
        let x = Tensor(shape: [5], scalars: [-2, -0.5, 0, 1, 3])
        // Reference values from PyTorch (torch.nn.functional, float64).
        expectClose(x.gelu(approximate: false).scalars, [-0.04550026, -0.15426877, 0, 0.84134475, 2.99595031], tol: 2e-6)
        expectClose(x.gelu(approximate: true).scalars, [-0.04540231, -0.15428599, 0, 0.84119199, 2.99636331], tol: 2e-6)
        expectClose(x.silu().scalars, [-0.23840584, -0.18877033, 0, 0.73105858, 2.85772238], tol: 2e-6)
        expectClose(x.tanh().scalars, [-0.96402758, -0.46211716, 0, 0.76159416, 0.99505475], tol: 2e-6)
        expectClose(x.exp().scalars, [0.13533528, 0.60653066, 1, 2.71828183, 20.08553692], tol: 2e-6)
        expectClose(x.relu().scalars, [0, 0, 0, 1, 3])
    }

    @Test func expIsAccurateOverItsRange() {
        var worst: Float = 0
        for i in stride(from: -80.0 as Float, through: 80, by: 0.37) {
            let got = Tensor(shape: [1], scalars: [i]).exp().item()
            worst = max(worst, abs(got - Foundation.expf(i)) / Foundation.expf(i))
        }
        #expect(worst < 5e-7)
    }

    @Test func tensorUsedTwiceGetsBothGradients() {
        let x = Tensor(shape: [3], scalars: [1, 2, 3], requiresGrad: true)
        let y = (x * x + x * 3).sum()  // dy/dx = 2x + 3
        y.backward()
        #expect(x.grad!.scalars == [5, 7, 9])
        gradCheck([randn([4], seed: 15)]) { let a = $0[0].tanh(); return a * a + a.exp() }
    }

    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let x = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        #expect(x.grad!.scalars == [5, 5])
    }

    @Test func noGradRecordsNothing() {
        let x = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        let y = Tensor.noGrad { x * 2 }
        #expect(!y.requiresGrad)
        #expect((x * 2).requiresGrad)
    }

    @Test func swigluValueAndGradient() {
        let x = randn([3, 10], seed: 93, std: 2)
        let y = x.swiglu()
        let a = x.narrowed(axis: 1, start: 0, length: 5), b = x.narrowed(axis: 1, start: 5, length: 5)
        expectClose(y.scalars, (a.silu() * b).scalars, tol: 1e-5)
        gradCheck([x]) { $0[0].swiglu() }
        gradCheck([randn([2, 2, 22], seed: 94)]) { $0[0].swiglu() }
    }
}

import Foundation
