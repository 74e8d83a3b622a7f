/// Layout ops: reshape (a view), permute/transpose, concat, narrow/split.

extension Tensor {
    /// Same data, new shape (one dimension may be -1). Shares storage: no copy.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else {
                fatalError("reshape: cannot reshape \(shape) (\(count) elements) into \(newShape)")
            }
            s[i] = count / known
        }
        guard s.reduce(1, *) == count, !s.contains(where: { $0 < 0 }) else {
            fatalError("reshape: cannot reshape \(shape) (\(count) elements) into \(newShape)")
        }
        let out = Tensor(shape: s, storage: storage)
        let inShape = shape
        return out.recording("reshape", [self]) { _, g in
            self.accumulateGrad(Tensor(shape: inShape, storage: g.storage))
        }
    }

    /// Reorders dimensions (copies). `dims` is a permutation of 0..<rank.
    public func permuted(_ dims: [Int]) -> Tensor {
        let r = rank
        let dims = dims.map { Shape.axis($0, rank: r, op: "permute") }
        guard dims.count == r, Set(dims).count == r else {
            fatalError("permute: \(dims) is not a permutation of the \(r) dimensions of \(shape)")
        }
        let outShape = dims.map { shape[$0] }
        let out = Tensor(uninitialized: outShape)
        Tensor.permuteKernel(data, shape, dims, out.data)
        var inverse = [Int](repeating: 0, count: r)
        for (i, d) in dims.enumerated() { inverse[d] = i }
        return out.recording("permute", [self]) { _, g in
            let back = Tensor(uninitialized: self.shape)
            Tensor.permuteKernel(g.data, outShape, inverse, back.data)
            self.accumulateGrad(back)
        }
    }

    /// Swaps two dimensions (copies).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var dims = Array(0..<rank)
        dims.swapAt(Shape.axis(a, rank: rank, op: "transpose"), Shape.axis(b, rank: rank, op: "transpose"))
        return permuted(dims)
    }

    /// out[i…] = x[permuted index]: walks the output in order, the innermost run is a strided copy.
    static func permuteKernel(_ x: UnsafePointer<Float>, _ shape: [Int], _ dims: [Int], _ out: UnsafeMutablePointer<Float>) {
        let r = shape.count
        if r == 0 { out[0] = x[0]; return }
        var inStrides = [Int](repeating: 1, count: r)
        for i in stride(from: r - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let outShape = dims.map { shape[$0] }, srcStride = dims.map { inStrides[$0] }
        let inner = outShape[r - 1], innerStride = srcStride[r - 1]
        let rows = outShape.reduce(1, *) / Swift.max(inner, 1)
        parallelFor(rows, grain: Swift.max(1, 8192 / Swift.max(inner, 1))) { range in
            for row in range {
                var rem = row, off = 0
                for d in stride(from: r - 2, through: 0, by: -1) {
                    off += (rem % outShape[d]) * srcStride[d]; rem /= outShape[d]
                }
                let o = out + row * inner, s = x + off
                for i in 0..<inner { o[i] = s[i * innerStride] }
            }
        }
    }

    /// The `length` entries of `axis` starting at `start` (a copy).
    public func narrowed(axis: Int, start: Int, length: Int) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "narrow")
        guard start >= 0, length >= 0, start + length <= shape[ax] else {
            fatalError("narrow: range \(start)..<\(start + length) is out of bounds for axis \(axis) of shape \(shape)")
        }
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        let n = shape[ax]
        var outShape = shape; outShape[ax] = length
        let out = Tensor(uninitialized: outShape)
        let x = data, o = out.data
        for b in 0..<outer {
            (o + b * length * inner).update(from: x + (b * n + start) * inner, count: length * inner)
        }
        return out.recording("narrow", [self]) { _, g in
            let (dx, _) = self.gradBuffer(zeroed: true)
            let gp = g.data
            for b in 0..<outer {
                let d = dx + (b * n + start) * inner, s = gp + b * length * inner
                for i in 0..<(length * inner) { d[i] += s[i] }
            }
        }
    }

    /// Splits `axis` into consecutive pieces of the given sizes.
    public func split(_ sizes: [Int], axis: Int) -> [Tensor] {
        let ax = Shape.axis(axis, rank: rank, op: "split")
        guard sizes.reduce(0, +) == shape[ax] else {
            fatalError("split: sizes \(sizes) sum to \(sizes.reduce(0, +)) but axis \(axis) of shape \(shape) has \(shape[ax])")
        }
        var start = 0
        return sizes.map { n in defer { start += n }; return narrowed(axis: ax, start: start, length: n) }
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        guard let first = tensors.first else { fatalError("concat: no tensors given") }
        let ax = Shape.axis(axis, rank: first.rank, op: "concat")
        for t in tensors where t.rank != first.rank || t.shape.enumerated().contains(where: { $0.offset != ax && $0.element != first.shape[$0.offset] }) {
            fatalError("concat: shapes \(first.shape) and \(t.shape) differ outside axis \(axis)")
        }
        let outer = first.shape[..<ax].reduce(1, *), inner = first.shape[(ax + 1)...].reduce(1, *)
        let total = tensors.reduce(0) { $0 + $1.shape[ax] }
        var outShape = first.shape; outShape[ax] = total
        let out = Tensor(uninitialized: outShape)
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            let n = t.shape[ax]
            for b in 0..<outer {
                (out.data + (b * total + offset) * inner).update(from: t.data + b * n * inner, count: n * inner)
            }
            offset += n
        }
        return out.recording("concat", tensors) { _, g in
            for (t, off) in zip(tensors, offsets) where t.requiresGrad {
                let n = t.shape[ax]
                let (dx, _) = t.gradBuffer(zeroed: true)
                for b in 0..<outer {
                    let d = dx + b * n * inner, s = g.data + (b * total + off) * inner
                    for i in 0..<(n * inner) { d[i] += s[i] }
                }
            }
        }
    }
}
