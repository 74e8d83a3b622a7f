/// # Tensor
///
/// WindTunnel's numeric core: Float32 row-major tensors with copy-on-write storage, the ops a GPT
/// needs (each with a hand-written backward), a reverse-mode autograd tape, OpenBLAS `sgemm` for
/// every large matrix product (libxsmm for the small ones it measured faster: SmallGEMM.swift), a
/// caching allocator, the process thread budget with its worker pool, and a monotonic clock.
///
/// The API follows PyTorch's habits: `Tensor` is a reference type with `.grad`, `requiresGrad`
/// and `backward()`; ops are methods or free functions (`matmul`, `softmax`, `crossEntropy`,
/// `layerNorm`, `causalSelfAttention`, …); `Tensor.noGrad { … }` disables recording.
/// Tensors are always contiguous; "transpose the last two dims" is a flag of `matmul` that goes
/// straight to BLAS.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let count: Int
    public internal(set) var storage: Storage
    /// Leaves with `requiresGrad` collect gradients in `.grad`; op results inherit it from inputs.
    public var requiresGrad: Bool
    /// Accumulated gradient (same shape). For parameters it is a persistent view into a gradient
    /// arena that the optimizer zeroes; otherwise backward creates it.
    public var grad: Tensor?
    /// The op that produced this tensor, while its graph is alive (nil for leaves).
    var node: GradNode?

    init(shape: [Int], storage: Storage, requiresGrad: Bool = false) {
        let n = shape.reduce(1, *)
        precondition(storage.count >= n, "storage of \(storage.count) floats is too small for shape \(shape)")
        self.shape = shape
        self.count = n
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A tensor with undefined contents, from the buffer pool: the usual start of an op's output.
    public convenience init(uninitialized shape: [Int]) {
        Shape.validate(shape)
        self.init(shape: shape, storage: Storage(uninitializedCount: shape.reduce(1, *)))
    }

    public convenience init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) {
        Shape.validate(shape)
        let n = shape.reduce(1, *)
        guard scalars.count == n else {
            fatalError("Tensor(shape:scalars:): shape \(shape) holds \(n) values but \(scalars.count) were given")
        }
        self.init(uninitialized: shape)
        scalars.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: n) }
        self.requiresGrad = requiresGrad
    }

    public convenience init(_ scalar: Float) {
        self.init(shape: [], scalars: [scalar])
    }

    /// A view of `count(shape)` floats of an arena starting at `offset` (parameters, gradients).
    public convenience init(shape: [Int], arena: Arena, offset: Int, requiresGrad: Bool = false) {
        Shape.validate(shape)
        self.init(shape: shape, storage: Storage(arena: arena, offset: offset, count: shape.reduce(1, *)),
                  requiresGrad: requiresGrad)
    }

    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let t = Tensor(uninitialized: shape)
        t.data.update(repeating: value, count: t.count)
        return t
    }

    // MARK: data access

    /// The first element's address. Contents may be read freely; write only to tensors you just
    /// created or after `makeUnique()`.
    @inline(__always) public var data: UnsafeMutablePointer<Float> { storage.pointer }
    @inline(__always) public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: storage.pointer, count: count) }
    public var rank: Int { shape.count }
    public var scalars: [Float] { Array(buffer) }

    /// The value of a one-element tensor.
    public func item() -> Float {
        guard count == 1 else { fatalError("item(): tensor of shape \(shape) has \(count) elements, expected 1") }
        return data[0]
    }

    /// Copy-on-write: gives this tensor its own storage if another tensor shares it.
    public func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Overwrites the values in place (for initialisation and loading); the shape must match.
    public func assign(_ source: Tensor) {
        guard source.shape == shape else {
            fatalError("assign: destination shape \(shape) and source shape \(source.shape) differ")
        }
        makeUnique()
        data.update(from: source.data, count: count)
    }

    /// Shares storage, cut from the graph: no gradient flows through the result.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// A private copy of the values, cut from the graph.
    public func copy() -> Tensor { Tensor(shape: shape, storage: storage.copy()) }

    /// Size of a dimension; negative indices count from the end.
    public func size(_ dim: Int) -> Int { shape[Shape.axis(dim, rank: rank, op: "size")] }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = buffer.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")]\(requiresGrad ? ", requiresGrad" : ""))"
    }
}

/// Integer indices (token ids, class targets) with a shape. Kept apart from `Tensor` because no
/// gradient ever flows into them.
public struct Indices: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Int32]

    public init(shape: [Int], values: [Int32]) {
        precondition(shape.reduce(1, *) == values.count,
                     "Indices: shape \(shape) holds \(shape.reduce(1, *)) values but \(values.count) were given")
        self.shape = shape
        self.values = values
    }

    public var count: Int { values.count }
}
