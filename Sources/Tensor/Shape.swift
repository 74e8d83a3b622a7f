/// A shape that ops cannot accept. The message names the op and every shape involved, so the
/// failure says what was expected (PyTorch's habit).
public struct ShapeError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Shape arithmetic shared by the ops: validation, axis normalisation, broadcasting.
public enum Shape {
    static func validate(_ shape: [Int]) {
        if shape.contains(where: { $0 < 0 }) { fatalError("negative dimension in shape \(shape)") }
    }

    /// Normalises a possibly negative axis, or fails naming the op.
    static func axis(_ axis: Int, rank: Int, op: String) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < max(rank, 1) else {
            fatalError("\(op): axis \(axis) is out of range for a tensor of rank \(rank)")
        }
        return a
    }

    /// The NumPy/PyTorch broadcast of two shapes (right-aligned; sizes equal or one of them 1).
    public static func broadcast(_ a: [Int], _ b: [Int], op: String) throws(ShapeError) -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
                throw ShapeError("\(op): shapes \(a) and \(b) cannot be broadcast together (dimension \(i - rank) is \(da) vs \(db))")
            }
        }
        return out
    }

    /// Output shape of `matmul` (see `matmul(_:_:transposeA:transposeB:)` for the accepted forms).
    public static func matmul(_ a: [Int], _ b: [Int], transposeA: Bool, transposeB: Bool) throws(ShapeError) -> [Int] {
        func shown() -> String { "\(a)\(transposeA ? "ᵀ" : "") and \(b)\(transposeB ? "ᵀ" : "")" }
        guard a.count >= 2, b.count >= 2 else {
            throw ShapeError("matmul: operands must have rank ≥ 2, got shapes \(shown())")
        }
        let (m, ka) = transposeA ? (a[a.count - 1], a[a.count - 2]) : (a[a.count - 2], a[a.count - 1])
        let (kb, n) = transposeB ? (b[b.count - 1], b[b.count - 2]) : (b[b.count - 2], b[b.count - 1])
        guard ka == kb else {
            throw ShapeError("matmul: inner dimensions differ (\(ka) vs \(kb)) for shapes \(shown())")
        }
        let batchA = Array(a.dropLast(2)), batchB = Array(b.dropLast(2))
        guard batchB.isEmpty || batchA == batchB else {
            throw ShapeError("matmul: batch dimensions \(batchA) and \(batchB) differ for shapes \(shown()); the second operand must be 2-D or have the same batch dimensions")
        }
        return batchA + [m, n]
    }

    /// Requires two shapes to be equal.
    public static func same(_ a: [Int], _ b: [Int], op: String, _ what: String = "shapes") throws(ShapeError) {
        guard a == b else { throw ShapeError("\(op): \(what) \(a) and \(b) must be equal") }
    }

    /// Unwraps a shape computation inside an op: a mismatch is a programming error and stops the
    /// process with the message (like an out-of-range array index).
    @inline(__always)
    static func check<T>(_ body: () throws(ShapeError) -> T) -> T {
        do { return try body() } catch { fatalError(error.message) }
    }
}
