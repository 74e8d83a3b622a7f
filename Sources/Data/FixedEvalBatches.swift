// Validation batches that are the same at every eval, so val-loss curves compare like with like.
// Window starts are evenly spaced over the whole val stream (first at 0, last at the final
// possible start), which samples all of it; when the stream holds enough tokens they do not
// overlap.

public struct FixedEvalBatches: Sendable {
    public let tokens: TokenStream
    public let batchSize: Int
    public let context: Int
    public let batchCount: Int
    /// batchCount × batchSize window starts, batch-major.
    public let offsets: [Int]

    public init(tokens: TokenStream, batchSize: Int, context: Int, batches: Int) throws {
        guard batchSize >= 1, context >= 1, batches >= 1 else {
            throw DataError("eval batches need batch size, context and count ≥ 1 (got \(batchSize), \(context), \(batches))")
        }
        try checkContext(context, fits: tokens)
        self.tokens = tokens
        self.batchSize = batchSize
        self.context = context
        batchCount = batches
        let windows = batches * batchSize
        let lastStart = tokens.count - context - 1
        offsets = windows == 1 ? [0] : (0..<windows).map { $0 * lastStart / (windows - 1) }
    }

    /// Fills `inputs`/`targets` (each ≥ batchSize × context) with eval batch `index`.
    public func fill(batch index: Int, inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>) {
        precondition(index >= 0 && index < batchCount, "eval batch \(index) out of 0..<\(batchCount)")
        for row in 0..<batchSize {
            let start = offsets[index * batchSize + row]
            tokens.copy(from: start, count: context, into: inputs + row * context)
            tokens.copy(from: start + 1, count: context, into: targets + row * context)
        }
    }

    public func batch(_ index: Int) -> Batch {
        var b = Batch(batchSize: batchSize, context: context)
        b.inputs.withUnsafeMutableBufferPointer { i in
            b.targets.withUnsafeMutableBufferPointer { t in fill(batch: index, inputs: i.baseAddress!, targets: t.baseAddress!) }
        }
        return b
    }
}
