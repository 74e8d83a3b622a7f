import Foundation
import Testing
import Data

/// `data.train_subset_tokens`: the sampler draws from `TokenStream.prefix(K)`, so no window of any
/// sampling order reads a token at or past K.
@Suite struct TrainSubsetTests {
    static let sentinel: UInt16 = 60_000

    /// `count` tokens in `shards` files: position i holds i before `k` and the sentinel from `k`
    /// on, so a window's start shows in its values and any read past the subset shows too.
    func stream(count: Int, k: Int, shards: Int) throws -> (TempDir, TokenStream) {
        let dir = try TempDir()
        let all = (0..<count).map { $0 < k ? UInt16($0) : Self.sentinel }
        let per = (count + shards - 1) / shards
        let files = try (0..<shards).map { s in
            let url = dir.file("s\(s).bin")
            try writeTokenFile(Array(all[min(count, s * per)..<min(count, (s + 1) * per)]), to: url)
            return try TokenFile(url: url, layout: .nanoGPT)
        }
        return (dir, TokenStream(name: "test", files: files))
    }

    @Test(arguments: SamplingOrder.allCases, [1, 3])
    func windowsNeverReadPastTheSubset(order: SamplingOrder, shards: Int) throws {
        // With 3 shards of 1000, K = 1500 ends inside the second: windows cross a shard boundary.
        let k = 1500, context = 16
        let (_, full) = try stream(count: 3000, k: k, shards: shards)
        let subset = full.prefix(k)
        #expect(subset.count == k && subset.maxToken() == UInt16(k - 1) && full.maxToken() == Self.sentinel)
        #expect(subset.name == "the first 1500 tokens of test")
        var sampler = try BatchSampler(tokens: subset, batchSize: 8, context: context, order: order, seed: 5)
        #expect(sampler.state.tokenCount == k)
        var starts = Set<Int>()
        // 400 batches of 8 windows: over 30 epochs of the 93 non-overlapping windows.
        for _ in 0..<400 {
            let b = sampler.next()
            #expect(!b.inputs.contains(Int32(Self.sentinel)) && !b.targets.contains(Int32(Self.sentinel)))
            for row in 0..<8 {
                let start = Int(b.inputs[row * context])
                #expect(b.targets[row * context + context - 1] == Int32(start + context))
                starts.insert(start)
            }
        }
        switch order {
        case .random:  // nanoGPT's range [0, K − T − 1]: the last window's target is token K − 1
            #expect(starts.min() == 0 && starts.max() == k - context - 1)
        case .sequential, .shuffled:  // every window i·T of the subset, and no other
            #expect(starts == Set(stride(from: 0, to: (k - 1) / context * context, by: context)))
            #expect(sampler.state.epoch >= 30)
        }
        // A state saved for the subset does not restore on the whole split (different token count).
        #expect(throws: DataError.self) { try BatchSampler(tokens: full, restoring: sampler.state) }
    }

    @Test func thePrefixOfAStreamReadsOnlyItsFirstTokens() throws {
        let (_, full) = try stream(count: 3000, k: 1500, shards: 3)
        let p = full.prefix(1500)
        #expect(p.tokens(from: 0, count: 1500) == full.tokens(from: 0, count: 1500))
        #expect(p[1499] == 1499 && full[1500] == Self.sentinel)
        #expect(p.files.count == 2 && p.contiguous == nil)  // the third shard is not part of it
        #expect(full.prefix(1000).files.count == 1 && full.prefix(1000).contiguous?.count == 1000)
        #expect(full.prefix(3000).count == 3000 && full.prefix(3000).maxToken() == Self.sentinel)
    }
}
