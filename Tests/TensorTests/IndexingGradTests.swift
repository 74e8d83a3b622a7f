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

    @Test func takeAlongLastAxisAndTopK() {
        let x = Tensor(shape: [2, 4], scalars: [0.1, 0.7, 0.3, 0.7, 5, -1, 2, 4])
        let idx = x.topK(2)
        #expect(idx.values == [1, 3, 0, 3])  // tie at 0.7: lower index first
        #expect(x.takeAlongLastAxis(idx).scalars == [0.7, 0.7, 5, 4])
        #expect(x.topK(4).values == [1, 3, 2, 0, 0, 3, 2, 1])
        gradCheck([randn([3, 6], seed: 106)]) { $0[0].takeAlongLastAxis(Indices(shape: [3, 2], values: [5, 0, 1, 1, 3, 2])) }
    }
}

import Foundation
