import Testing
import Tensor
import TestSupport

/// Naive reference product of op(a)·op(b) for 2-D operands.
func naiveMatmul(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool) -> [Float] {
    let m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1]
    let n = tb ? b.shape[0] : b.shape[1]
    var out = [Float](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n { var s: Float = 0
        for p in 0..<k { s += (ta ? a.data[p * m + i] : a.data[i * k + p]) * (tb ? b.data[j * k + p] : b.data[p * n + j]) }
        out[i * n + j] = s } }
    return out
}

@Suite struct MatmulGradTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func twoD(_ t: (Bool, Bool)) {
        let a = randn(t.0 ? [4, 3] : [3, 4], seed: 30), b = randn(t.1 ? [5, 4] : [4, 5], seed: 31)
        let c = a.matmul(b, transposeA: t.0, transposeB: t.1)
        #expect(c.shape == [3, 5])
        expectClose(c.scalars, naiveMatmul(a, b, t.0, t.1), tol: 1e-5)
        gradCheck([a, b]) { $0[0].matmul($0[1], transposeA: t.0, transposeB: t.1) }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func batched3DAnd4D(_ t: (Bool, Bool)) {
        let a3 = randn(t.0 ? [2, 4, 3] : [2, 3, 4], seed: 32), b3 = randn(t.1 ? [2, 5, 4] : [2, 4, 5], seed: 33)
        #expect(a3.matmul(b3, transposeA: t.0, transposeB: t.1).shape == [2, 3, 5])
        gradCheck([a3, b3]) { $0[0].matmul($0[1], transposeA: t.0, transposeB: t.1) }
        let a4 = randn(t.0 ? [2, 2, 4, 3] : [2, 2, 3, 4], seed: 34), b4 = randn(t.1 ? [2, 2, 5, 4] : [2, 2, 4, 5], seed: 35)
        gradCheck([a4, b4]) { $0[0].matmul($0[1], transposeA: t.0, transposeB: t.1) }
        // Batch matrix (1, 0) equals the 2-D product of the corresponding operand matrices.
        func matrix(_ t: Tensor) -> Tensor {
            t.narrowed(axis: 0, start: 1, length: 1).narrowed(axis: 1, start: 0, length: 1)
                .reshaped(Array(t.shape.suffix(2)))
        }
        let c = a4.matmul(b4, transposeA: t.0, transposeB: t.1)
        expectClose(matrix(c).scalars, naiveMatmul(matrix(a4), matrix(b4), t.0, t.1), tol: 1e-5)
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func batchedTimesShared2D(_ t: (Bool, Bool)) {
        let a = randn(t.0 ? [3, 4, 2] : [3, 2, 4], seed: 36), b = randn(t.1 ? [5, 4] : [4, 5], seed: 37)
        let c = a.matmul(b, transposeA: t.0, transposeB: t.1)
        #expect(c.shape == [3, 2, 5])
        gradCheck([a, b]) { $0[0].matmul($0[1], transposeA: t.0, transposeB: t.1) }
    }

    @Test func linearWithAndWithoutBias() {
        let x = randn([2, 3, 4], seed: 38), w = randn([5, 4], seed: 39), b = randn([5], seed: 40)
        let y = x.linear(weight: w, bias: b)
        let ref = x.matmul(w, transposeB: true) + b
        expectClose(y.scalars, ref.scalars, tol: 1e-5)
        gradCheck([x, w, b]) { $0[0].linear(weight: $0[1], bias: $0[2]) }
        gradCheck([x, w]) { $0[0].linear(weight: $0[1], bias: nil) }
    }

    @Test func shapeErrorsNameTheOpAndBothShapes() throws {
        #expect(throws: ShapeError.self) { try Shape.matmul([3, 4], [5, 6], transposeA: false, transposeB: false) }
        do {
            _ = try Shape.matmul([2, 3, 4], [5, 6], transposeA: false, transposeB: false)
        } catch {
            #expect(error.message == "matmul: inner dimensions differ (4 vs 5) for shapes [2, 3, 4] and [5, 6]")
        }
        do {
            _ = try Shape.matmul([2, 3, 4], [3, 4, 5], transposeA: false, transposeB: false)
        } catch {
            #expect(error.message.contains("batch dimensions [2] and [3] differ"))
        }
        do {
            _ = try Shape.broadcast([2, 3], [4], op: "add")
        } catch {
            #expect(error.message == "add: shapes [2, 3] and [4] cannot be broadcast together (dimension -1 is 3 vs 4)")
        }
        #expect(try Shape.broadcast([2, 1, 4], [3, 1], op: "mul") == [2, 3, 4])
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
}
