// The windows the final evaluation scores. The convention is the one `windtunnel eval` uses, so
// that any tool can reproduce the number: the val stream is cut into non-overlapping windows of T
// tokens from its start. Window i has inputs tokens[i·T ..< i·T+T] and targets
// tokens[i·T+1 ..< i·T+T+1]. The evaluation scores all of them, or, when they would hold more than
// a token cap, an evenly spaced subset.
//
// The periodic evals use `FixedEvalBatches` instead: a few batches, cheap enough to run every
// `eval_interval` steps, but on Shakespeare-char their estimate is off by ~0.03 nats. This set
// exists to remove that noise from the number the results table and the fitter read.

public struct EvalWindows: Sendable {
    public let tokens: TokenStream
    public let context: Int
    /// How many windows the stream holds: ⌊(count − 1) / T⌋. The −1 is there because the last
    /// window's last target must exist.
    public let available: Int
    /// The window indices scored, in ascending order. With no cap, or a cap the split fits under,
    /// this is all of 0..<available. Otherwise it is ⌈maxTokens / T⌉ indices, evenly spaced, with
    /// the first and the last window included.
    public let indices: [Int]

    /// `maxTokens` nil scores the whole split.
    public init(tokens: TokenStream, context: Int, maxTokens: Int? = nil) throws {
        guard context >= 1 else { throw DataError("eval windows need context ≥ 1 (got \(context))") }
        if let m = maxTokens, m < 1 { throw DataError("eval windows need a token cap ≥ 1 (got \(m))") }
        try checkContext(context, fits: tokens)
        self.tokens = tokens
        self.context = context
        let all = (tokens.count - 1) / context
        available = all
        indices = EvalWindows.evenlySpaced(maxTokens.map { Swift.min(all, ($0 + context - 1) / context) } ?? all, of: all)
    }

    /// `count` of `0..<total` (count ≤ total), first and last included, strictly increasing:
    /// the step (total − 1)/(count − 1) is ≥ 1.
    static func evenlySpaced(_ count: Int, of total: Int) -> [Int] {
        if count == total { return Array(0..<total) }
        if count == 1 { return [0] }
        return (0..<count).map { $0 * (total - 1) / (count - 1) }
    }

    public var count: Int { indices.count }
    /// Target tokens scored.
    public var tokenCount: Int { indices.count * context }
    /// Whether every window of the split is scored (no cap applied).
    public var coversSplit: Bool { indices.count == available }

    /// Writes the windows at positions `range` of `indices`, row after row, into `inputs` and
    /// `targets`. Each buffer needs room for range.count × context tokens.
    public func fill(_ range: Range<Int>, inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= indices.count, "eval windows \(range) out of 0..<\(indices.count)")
        for (row, position) in range.enumerated() {
            let start = indices[position] * context
            tokens.copy(from: start, count: context, into: inputs + row * context)
            tokens.copy(from: start + 1, count: context, into: targets + row * context)
        }
    }
}
