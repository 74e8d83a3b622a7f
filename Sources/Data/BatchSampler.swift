// Training batches: `batchSize` windows of `context + 1` tokens; inputs are a window's first
// `context` tokens, targets its last `context` (row-major [batchSize][context] Int32 buffers).
//
// Orders:
// - random: each window starts uniformly in [0, count − context − 1] (nanoGPT's get_batch), with
//   replacement. The RNG is SplitMix64, so the whole sampler state is one UInt64.
// - sequential: non-overlapping windows i·context ..< i·context + context + 1 (consecutive windows
//   share one token, like llm.c's loader), in order; after the last full window a new epoch
//   starts at window 0.
// - shuffled: the same windows, each epoch in a fresh seeded permutation (from seed and epoch),
//   so each window is used exactly once per epoch.
// A batch may straddle an epoch boundary. `state` captures everything needed to continue: a
// sampler rebuilt from it over the same tokens draws exactly the batches the original would have.

import RunSchema  // SplitMix64

public enum SamplingOrder: String, Codable, CaseIterable, Sendable {
    case random, sequential, shuffled
}

/// Everything a checkpoint needs to resume the data stream exactly. The shape fields let a resume
/// refuse a mismatched sampler instead of silently drawing different batches.
public struct SamplerState: Codable, Equatable, Sendable {
    public var order: SamplingOrder
    public var seed: UInt64
    public var batchSize: Int
    public var context: Int
    public var tokenCount: Int
    /// random order: the RNG state.
    public var rng: UInt64
    /// sequential/shuffled: the epoch and the next window's index within it.
    public var epoch: Int
    public var position: Int
    public var batchesDrawn: Int

    enum CodingKeys: String, CodingKey {
        case order, seed, context, rng, epoch, position
        case batchSize = "batch_size"
        case tokenCount = "token_count"
        case batchesDrawn = "batches_drawn"
    }
}

public struct BatchSampler: Sendable {
    public let tokens: TokenStream
    public let batchSize: Int
    public let context: Int
    public private(set) var state: SamplerState
    /// Non-overlapping windows per epoch (sequential/shuffled).
    public let windowsPerEpoch: Int
    private var permutation: [Int32] = []  // shuffled order of the current epoch

    public init(tokens: TokenStream, batchSize: Int, context: Int, order: SamplingOrder = .random, seed: UInt64) throws {
        let state = SamplerState(order: order, seed: seed, batchSize: batchSize, context: context,
                                 tokenCount: tokens.count, rng: seed, epoch: 0, position: 0, batchesDrawn: 0)
        try self.init(tokens: tokens, restoring: state)
    }

    /// Continues from a saved state; throws if it was saved for a different shape or token count.
    public init(tokens: TokenStream, restoring state: SamplerState) throws {
        guard state.batchSize >= 1 else { throw DataError("batch size must be ≥ 1, got \(state.batchSize)") }
        guard state.context >= 1 else { throw DataError("context must be ≥ 1, got \(state.context)") }
        try checkContext(state.context, fits: tokens)
        guard state.tokenCount == tokens.count else {
            throw DataError("\(tokens.name): sampler state was saved for \(state.tokenCount) tokens but the data has \(tokens.count) (different dataset?)")
        }
        guard state.epoch >= 0, state.position >= 0 else { throw DataError("sampler state: negative epoch or position") }
        self.tokens = tokens
        self.batchSize = state.batchSize
        self.context = state.context
        self.state = state
        windowsPerEpoch = (tokens.count - 1) / state.context
        guard state.position <= windowsPerEpoch else {
            throw DataError("sampler state: position \(state.position) beyond the \(windowsPerEpoch) windows per epoch")
        }
        guard windowsPerEpoch <= Int(Int32.max) || state.order != .shuffled else {
            throw DataError("\(tokens.name): too many windows to shuffle (\(windowsPerEpoch))")
        }
        if state.order == .shuffled { permutation = Self.permutation(windowsPerEpoch, seed: state.seed, epoch: state.epoch) }
    }

    /// Fills `inputs` and `targets` (each ≥ batchSize × context Int32) with the next batch.
    public mutating func next(inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>) {
        for row in 0..<batchSize {
            let start = nextWindowStart()
            tokens.copy(from: start, count: context, into: inputs + row * context)
            tokens.copy(from: start + 1, count: context, into: targets + row * context)
        }
        state.batchesDrawn += 1
    }

    /// The next batch as fresh arrays (allocates; use the pointer form in a training loop).
    public mutating func next() -> Batch {
        var batch = Batch(batchSize: batchSize, context: context)
        batch.inputs.withUnsafeMutableBufferPointer { i in
            batch.targets.withUnsafeMutableBufferPointer { t in next(inputs: i.baseAddress!, targets: t.baseAddress!) }
        }
        return batch
    }

    private mutating func nextWindowStart() -> Int {
        switch state.order {
        case .random:
            var rng = SplitMix64(seed: state.rng)
            let start = Int(rng.next(below: UInt64(tokens.count - context)))
            state.rng = rng.state
            return start
        case .sequential, .shuffled:
            if state.position == windowsPerEpoch {
                state.epoch += 1
                state.position = 0
                if state.order == .shuffled { permutation = Self.permutation(windowsPerEpoch, seed: state.seed, epoch: state.epoch) }
            }
            let window = state.order == .shuffled ? Int(permutation[state.position]) : state.position
            state.position += 1
            return window * context
        }
    }

    /// Fisher–Yates over 0..<n, seeded by (seed, epoch).
    static func permutation(_ n: Int, seed: UInt64, epoch: Int) -> [Int32] {
        var mixer = SplitMix64(seed: seed ^ 0xD1B5_4A32_D192_ED03)
        var rng = SplitMix64(seed: mixer.next() &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        var p = (0..<n).map { Int32($0) }
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                let j = Int(rng.next(below: UInt64(i + 1)))
                p.swapAt(i, j)
            }
        }
        return p
    }
}

/// One batch as arrays, row-major [batchSize][context].
public struct Batch: Equatable, Sendable {
    public let batchSize: Int
    public let context: Int
    public var inputs: [Int32]
    public var targets: [Int32]

    public init(batchSize: Int, context: Int) {
        self.batchSize = batchSize
        self.context = context
        inputs = [Int32](repeating: 0, count: batchSize * context)
        targets = inputs
    }
}

/// Throws "<file>: N tokens is too few for context C (need at least C + 1)".
func checkContext(_ context: Int, fits tokens: TokenStream) throws {
    guard tokens.count >= context + 1 else {
        throw DataError("\(tokens.name): \(tokens.count) tokens is too few for context \(context) (need at least \(context + 1))")
    }
}
