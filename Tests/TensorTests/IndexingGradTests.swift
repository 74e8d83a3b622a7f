import Testing
import Tensor
import TestSupport

@Suite struct IndexingGradTests {
    @Test func gatherRowsRepeatsAndScatters() {
        let x = randn([5, 3], seed: 100)
        let g = x.gatherRows([4, 0, 4, 2])
        #expect(Array(g.scalars[0..<3]) == Array(x.scalars[12..<15]))
        gradCheck([x]) { $0[0].gatherRows([4, 0, 4, 2, 4]) }
    }

    @Test func scatterAddRowsCombinesWeighted() {
        let v = randn([4, 3], seed: 101), w = randn([4], seed: 102)
        let out = scatterAddRows(v, weights: w, rows: [2, 0, 2, 3], count: 5)
        #expect(out.shape == [5, 3])
        #expect(Array(out.scalars[3..<6]) == [0, 0, 0])  // row 1 never targeted
        expectClose([out.data[6]], [w.data[0] * v.data[0] + w.data[2] * v.data[6]])
        gradCheck([v, w]) { scatterAddRows($0[0], weights: $0[1], rows: [2, 0, 2, 3], count: 5) }
    }

    @Test func groupedLinearMatchesPerGroupLinear() {
        let x = randn([7, 4], seed: 103), w = randn([3, 5, 4], seed: 104), b = randn([3, 5], seed: 105)
        let sizes = [3, 0, 4]
        let y = groupedLinear(x, weight: w, bias: b, groupSizes: sizes)
        let w2 = w.narrowed(axis: 0, start: 2, length: 1).reshaped([5, 4])
        let b2 = b.narrowed(axis: 0, start: 2, length: 1).reshaped([5])
        let ref = x.narrowed(axis: 0, start: 3, length: 4).linear(weight: w2, bias: b2)
        expectClose(Array(y.scalars[15...]), ref.scalars, tol: 1e-5)
        gradCheck([x, w, b]) { groupedLinear($0[0], weight: $0[1], bias: $0[2], groupSizes: sizes) }
        gradCheck([x, w]) { groupedLinear($0[0], weight: $0[1], bias: nil, groupSizes: [7, 0, 0]) }
        // A group that receives no rows gets a zero gradient, not garbage.
        w.grad = nil
        groupedLinear(x, weight: w, bias: nil, groupSizes: sizes).sum().backward()
        #expect(w.grad!.scalars[20..<40].allSatisfy { $0 == 0 })
    }

    @Test func takeAlongLastAxisAndTopK() {
        let x = Tensor(shape: [2, 4], scalars: [0.1, 0.7, 0.3, 0.7, 5, -1, 2, 4])
        let idx = x.topK(2)
        #expect(idx.values == [1, 3, 0, 3])  // tie at 0.7: lower index first
        #expect(x.takeAlongLastAxis(idx).scalars == [0.7, 0.7, 5, 4])
        #expect(x.topK(4).values == [1, 3, 2, 0, 0, 3, 2, 1])
        gradCheck([randn([3, 6], seed: 106)]) { $0[0].takeAlongLastAxis(Indices(shape: [3, 2], values: [5, 0, 1, 1, 3, 2])) }
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

import Foundation
