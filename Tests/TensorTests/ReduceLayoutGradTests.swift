import Foundation
import Testing
import Tensor
import TestSupport

@Suite struct ReduceLayoutGradTests {
    @Test(arguments: [0, 1, -1])
    func sumMeanOverAxis(_ axis: Int) {
        let x = randn([3, 4, 5], seed: 20)
        gradCheck([x]) { $0[0].sum(axis: axis) }
        gradCheck([x]) { $0[0].mean(axis: axis, keepDims: true) }
    }

    @Test func maxOverAxisAndAll() {
        let x = randn([3, 4, 5], seed: 21)  // continuous values: no ties
        gradCheck([x]) { $0[0].max(axis: 1) }
        gradCheck([x]) { $0[0].max(axis: -1, keepDims: true) }
        gradCheck([x]) { $0[0].max() }
    }

    @Test func reductionValues() {
        let x = Tensor(shape: [2, 3], scalars: [1, 5, 3, -4, 2, 0])
        #expect(x.sum(axis: 0).scalars == [-3, 7, 3])
        #expect(x.sum(axis: 1).scalars == [9, -2])
        #expect(x.mean(axis: 1).scalars == [3, -2 / 3])
        #expect(x.max(axis: 1).scalars == [5, 2])
        #expect(x.max(axis: 0, keepDims: true).shape == [1, 3])
        #expect(x.sum().item() == 7)
        #expect(x.max().item() == 5)
        gradCheck([randn([7], seed: 22)]) { $0[0].sum() }
        gradCheck([randn([2, 3], seed: 23)]) { $0[0].mean() }
    }

    @Test func reshapeIsAViewAndPassesGradients() {
        let x = randn([2, 6], seed: 24)
        let y = x.reshaped([3, -1])
        #expect(y.shape == [3, 4])
        #expect(y.data == x.data)
        gradCheck([x]) { $0[0].reshaped([4, 3]) * $0[0].reshaped([4, 3]) }
    }

    @Test func permuteAndTranspose() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(x.transposed().scalars == [1, 4, 2, 5, 3, 6])
        let y = randn([2, 3, 4, 5], seed: 25)
        let p = y.permuted([0, 2, 1, 3])
        #expect(p.shape == [2, 4, 3, 5])
        // p[a, b, c, d] == y[a, c, b, d]
        #expect(p.data[((1 * 4 + 2) * 3 + 1) * 5 + 3] == y.data[((1 * 3 + 1) * 4 + 2) * 5 + 3])
        gradCheck([y]) { $0[0].permuted([3, 1, 0, 2]) }
        gradCheck([randn([3, 4], seed: 26)]) { $0[0].transposed(0, 1) }
    }

    @Test func concatNarrowSplit() {
        let a = randn([2, 3, 4], seed: 27), b = randn([2, 1, 4], seed: 28)
        let c = Tensor.concat([a, b], axis: 1)
        #expect(c.shape == [2, 4, 4])
        #expect(c.narrowed(axis: 1, start: 3, length: 1).scalars == b.scalars)
        gradCheck([a, b]) { Tensor.concat([$0[0], $0[1]], axis: 1) }
        gradCheck([a, b]) { Tensor.concat([$0[0], $0[0]], axis: -1) }
        gradCheck([a]) { $0[0].narrowed(axis: 2, start: 1, length: 2) }
        let parts = a.split([1, 2], axis: 1)
        #expect(parts.map(\.shape) == [[2, 1, 4], [2, 2, 4]])
        gradCheck([a]) { let p = $0[0].split([1, 2, 1], axis: 2); return p[0] * p[2] + p[1].sum(axis: 2, keepDims: true) }
    }

    @Test func dropoutIsSeededAndScaled() {
        let x = Tensor.ones([10_000])
        var r1 = RandomState(seed: 7), r2 = RandomState(seed: 7)
        let y1 = x.dropout(0.3, rng: &r1), y2 = x.dropout(0.3, rng: &r2)
        #expect(y1.scalars == y2.scalars)
        let kept = y1.scalars.filter { $0 != 0 }
        #expect(abs(Double(kept.count) / 10_000 - 0.7) < 0.02)
        #expect(kept.allSatisfy { abs($0 - 1 / 0.7) < 1e-6 })
        #expect(r1.counter == 10_000)
        gradCheck([randn([50], seed: 29)]) { var rng = RandomState(seed: 3); return $0[0].dropout(0.5, rng: &rng) }
    }

    @Test func logSumExpValueAndGradient() {
        let x = randn([4, 7], seed: 107, std: 3)
        let lse = x.logSumExp()
        for r in 0..<4 {
            let row = x.scalars[(r * 7)..<(r * 7 + 7)].map(Double.init)
            #expect(abs(Double(lse.data[r]) - Foundation.log(row.map { Foundation.exp($0) }.reduce(0, +))) < 1e-5)
        }
        gradCheck([x]) { $0[0].logSumExp() }
    }
}
