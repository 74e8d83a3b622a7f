import Foundation
import Tensor
import Testing
import TestSupport

/// The Tensor ops MoE routing is built from, at sizes that take their parallel paths and in the
/// corner cases routing produces (empty groups, one group with everything, tokens nobody picks,
/// gradients accumulating into existing buffers). TensorTests has their basic gradient checks.
@Suite struct RoutingOpsTests {
    /// groupedLinear as one `linear` per group over narrowed slices.
    static func perGroupLinear(_ x: Tensor, _ w: Tensor, _ b: Tensor, _ sizes: [Int]) -> Tensor {
        let (inF, outF) = (w.shape[2], w.shape[1])
        var parts: [Tensor] = [], start = 0
        for (g, n) in sizes.enumerated() where n > 0 {
            let wg = w.narrowed(axis: 0, start: g, length: 1).reshaped([outF, inF])
            let bg = b.narrowed(axis: 0, start: g, length: 1).reshaped([outF])
            parts.append(x.narrowed(axis: 0, start: start, length: n).linear(weight: wg, bias: bg))
            start += n
        }
        return Tensor.concat(parts, axis: 0)
    }

    /// Balanced sizes run groups on separate threads; a dominant group runs them in turn.
    @Test(arguments: [[5, 6, 4, 5], [3, 3, 3, 3, 3, 3, 3, 3], [20, 0, 1, 0], [0, 0, 7, 0], [1, 0, 0, 12, 0, 2], [9, 0, 8, 0, 9, 0, 9]])
    func groupedLinearMatchesPerGroupLinear(_ sizes: [Int]) {
        let m = sizes.reduce(0, +)
        let x = randn([m, 6], seed: 200), w = randn([sizes.count, 5, 6], seed: 201), b = randn([sizes.count, 5], seed: 202)
        let cot = randn([m, 5], seed: 203)
        let ref = valueAndGradients([x, w, b], cotangent: cot) { Self.perGroupLinear(x, w, b, sizes) }
        let got = valueAndGradients([x, w, b], cotangent: cot) { groupedLinear(x, weight: w, bias: b, groupSizes: sizes) }
        expectClose(got.value, ref.value, tol: 1e-5)
        for (a, r) in zip(got.grads, ref.grads) { expectClose(a, r, tol: 1e-5) }
        for (g, n) in sizes.enumerated() where n == 0 {
            #expect(expertSlice(got.grads[1], experts: sizes.count, g).allSatisfy { $0 == 0 })
            #expect(expertSlice(got.grads[2], experts: sizes.count, g).allSatisfy { $0 == 0 })
        }
        // Gradients accumulate into existing buffers (the parameter arena's case).
        for t in [x, w, b] { t.grad = Tensor.full(t.shape, 1) }
        (groupedLinear(x, weight: w, bias: b, groupSizes: sizes) * cot).sum().backward()
        for (t, r) in zip([x, w, b], ref.grads) { expectClose(t.grad!.scalars.map { $0 - 1 }, r, tol: 1e-5) }
    }

    /// Each destination gets its sources added in ascending order: equal, bit for bit, to the
    /// obvious serial loop; rows nobody targets are exactly 0.
    @Test func scatterAddRowsEqualsTheSerialLoop() {
        let (rowsCount, count, d) = (3000, 700, 37)
        var rng = RandomState(seed: 210)
        let rows = (0..<rowsCount).map { _ in Int32(rng.nextInt(below: count - 100)) }  // last 100 never hit
        let v = randn([rowsCount, d], seed: 211), w = randn([rowsCount], seed: 212)
        let out = scatterAddRows(v, weights: w, rows: rows, count: count)
        var expected = [Float](repeating: 0, count: count * d)
        for (i, r) in rows.enumerated() { for j in 0..<d { expected[Int(r) * d + j] += w.data[i] * v.data[i * d + j] } }
        expectIdentical(out.scalars, expected)
        #expect(out.scalars[((count - 100) * d)...].allSatisfy { $0 == 0 })
        // Everything on one row.
        let one = scatterAddRows(v, weights: w, rows: [Int32](repeating: 3, count: rowsCount), count: 5)
        var sum = [Float](repeating: 0, count: d)
        for i in 0..<rowsCount { for j in 0..<d { sum[j] += w.data[i] * v.data[i * d + j] } }
        expectIdentical(Array(one.scalars[(3 * d)..<(4 * d)]), sum)
        #expect(one.scalars.enumerated().allSatisfy { $0.offset / d == 3 || $0.element == 0 })
    }

    @Test func gatherRowsBackwardScattersAndAccumulates() {
        let (n, d) = (500, 19)
        var rng = RandomState(seed: 220)
        let rows = (0..<2000).map { _ in Int32(rng.nextInt(below: n - 50)) }
        let x = randn([n, d], seed: 221)
        let g = randn([rows.count, d], seed: 222)
        let r = valueAndGradients([x], cotangent: g) { x.gatherRows(rows) }
        var expected = [Float](repeating: 0, count: n * d)
        for (i, row) in rows.enumerated() { for j in 0..<d { expected[Int(row) * d + j] += g.data[i * d + j] } }
        expectIdentical(r.grads[0], expected)
        expectIdentical(r.value, rows.flatMap { Array(x.scalars[(Int($0) * d)..<(Int($0) * d + d)]) })
        x.grad = Tensor.full(x.shape, 2)
        (x.gatherRows(rows) * g).sum().backward()
        expectClose(x.grad!.scalars, expected.map { $0 + 2 }, tol: 1e-5)
    }

    @Test func takeAlongLastAxisRepeatsAndManyRows() {
        let (rows, w, k) = (9000, 6, 3)
        var rng = RandomState(seed: 230)
        let idx = Indices(shape: [rows, k], values: (0..<(rows * k)).map { _ in Int32(rng.nextInt(below: w)) })
        let x = randn([rows, w], seed: 231), g = randn([rows, k], seed: 232)
        let r = valueAndGradients([x], cotangent: g) { x.takeAlongLastAxis(idx) }
        var expected = [Float](repeating: 0, count: rows * w)
        for i in 0..<rows { for j in 0..<k { expected[i * w + Int(idx.values[i * k + j])] += g.data[i * k + j] } }
        expectIdentical(r.value, (0..<(rows * k)).map { x.data[($0 / k) * w + Int(idx.values[$0])] })
        expectIdentical(r.grads[0], expected)
        x.grad = Tensor.full(x.shape, 1)
        (x.takeAlongLastAxis(idx) * g).sum().backward()
        expectClose(x.grad!.scalars, expected.map { $0 + 1 }, tol: 1e-5)
    }

    /// Against a stable sort, with many exact ties (small integers) and rows over several chunks.
    @Test func topKMatchesAStableSort() {
        let (n, w) = (3000, 10)
        var rng = RandomState(seed: 240)
        let x = Tensor(shape: [n, w], scalars: (0..<(n * w)).map { _ in Float(rng.nextInt(below: 5)) })
        for k in [1, 3, 10] {
            let got = x.topK(k).values
            var expected: [Int32] = []
            for i in 0..<n {
                let row = Array(x.scalars[(i * w)..<(i * w + w)])
                expected += (0..<w).sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(k).map(Int32.init)
            }
            #expect(got.count == expected.count)
            if let i = got.indices.first(where: { $0 < expected.count && got[$0] != expected[$0] }) {
                Issue.record("k = \(k): row \(i / k) slot \(i % k): \(got[i]) vs \(expected[i])")
            }
        }
    }
}

/// Exact equality, reporting only the first difference.
func expectIdentical(_ a: [Float], _ b: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, "length \(a.count) vs \(b.count)", sourceLocation: sourceLocation)
    if let i = a.indices.first(where: { $0 < b.count && a[$0] != b[$0] }) {
        Issue.record("element \(i): \(a[i]) vs \(b[i])", sourceLocation: sourceLocation)
    }
}
