import Foundation
import Testing
import Data

@Suite struct SamplerTests {
    /// A dataset whose token at position i is i % 1000, so a window's start is visible in its values.
    func stream(count: Int, shards: Int = 1) throws -> (TempDir, TokenStream) {
        let dir = try TempDir()
        let all = (0..<count).map { UInt16($0 % 1000) }
        var files: [TokenFile] = []
        let per = (count + shards - 1) / shards
        for s in 0..<shards {
            let url = dir.file("s\(s).bin")
            try writeTokenFile(Array(all[min(count, s * per)..<min(count, (s + 1) * per)]), to: url)
            files.append(try TokenFile(url: url, layout: .nanoGPT))
        }
        return (dir, TokenStream(name: "test", files: files))
    }

    @Test func randomWindowsAreShiftedPairsInRange() throws {
        let (_, tokens) = try stream(count: 500)
        var s = try BatchSampler(tokens: tokens, batchSize: 8, context: 16, order: .random, seed: 1)
        var starts = Set<Int>()
        for _ in 0..<200 {
            let b = s.next()
            for row in 0..<8 {
                let x = Array(b.inputs[(row * 16)..<(row * 16 + 16)]), y = Array(b.targets[(row * 16)..<(row * 16 + 16)])
                let start = Int(x[0])
                #expect(x == (start..<(start + 16)).map(Int32.init))
                #expect(y == ((start + 1)..<(start + 17)).map(Int32.init))
                starts.insert(start)
            }
        }
        #expect(starts.min() == 0)
        #expect(starts.max() == 500 - 16 - 1)  // nanoGPT range [0, count − context − 1]
        #expect(s.state.batchesDrawn == 200)
    }

    @Test func sameSeedSameBatchesDifferentSeedDifferent() throws {
        let (_, tokens) = try stream(count: 3000)
        for order in SamplingOrder.allCases {
            var a = try BatchSampler(tokens: tokens, batchSize: 4, context: 32, order: order, seed: 42)
            var b = try BatchSampler(tokens: tokens, batchSize: 4, context: 32, order: order, seed: 42)
            var c = try BatchSampler(tokens: tokens, batchSize: 4, context: 32, order: order, seed: 43)
            let batchesA = (0..<10).map { _ in a.next() }
            #expect(batchesA == (0..<10).map { _ in b.next() })
            if order != .sequential { #expect(batchesA != (0..<10).map { _ in c.next() }) }
        }
    }

    @Test func resumeFromSavedStateContinuesExactly() throws {
        let (_, tokens) = try stream(count: 2000, shards: 3)
        for order in SamplingOrder.allCases {
            var uninterrupted = try BatchSampler(tokens: tokens, batchSize: 5, context: 24, order: order, seed: 9)
            var first = try BatchSampler(tokens: tokens, batchSize: 5, context: 24, order: order, seed: 9)
            for _ in 0..<37 { _ = uninterrupted.next(); _ = first.next() }  // crosses epoch boundaries
            let saved = try JSONEncoder().encode(first.state)
            let state = try JSONDecoder().decode(SamplerState.self, from: saved)
            var resumed = try BatchSampler(tokens: tokens, restoring: state)
            for _ in 0..<20 { #expect(resumed.next() == uninterrupted.next()) }
            #expect(resumed.state == uninterrupted.state)
        }
    }

    @Test func epochOrdersVisitEachWindowOncePerEpoch() throws {
        let (_, tokens) = try stream(count: 1001)  // (1001 − 1) / 10 = 100 windows
        for order in [SamplingOrder.sequential, .shuffled] {
            var s = try BatchSampler(tokens: tokens, batchSize: 10, context: 10, order: order, seed: 5)
            #expect(s.windowsPerEpoch == 100)
            var epochs: [[Int]] = []
            for _ in 0..<3 {
                var starts: [Int] = []
                for _ in 0..<10 { let b = s.next(); for row in 0..<10 { starts.append(Int(b.inputs[row * 10])) } }
                #expect(starts.sorted() == (0..<100).map { $0 * 10 % 1000 }.sorted())
                epochs.append(starts)
            }
            if order == .sequential { #expect(epochs[0] == (0..<100).map { $0 * 10 % 1000 }) }
            if order == .shuffled { #expect(epochs[0] != epochs[1]) }
            #expect(s.state.epoch == 2 && s.state.position == 100)
        }
    }

    @Test func pointerFormFillsCallerBuffers() throws {
        let (_, tokens) = try stream(count: 400)
        var a = try BatchSampler(tokens: tokens, batchSize: 3, context: 7, order: .shuffled, seed: 2)
        var b = a
        var x = [Int32](repeating: -1, count: 21), y = [Int32](repeating: -1, count: 21)
        x.withUnsafeMutableBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in a.next(inputs: xp.baseAddress!, targets: yp.baseAddress!) } }
        let batch = b.next()
        #expect(batch.inputs == x && batch.targets == y)
    }

    @Test func contextAndStateErrors() throws {
        let (_, tokens) = try stream(count: 100)
        #expect(dataErrorMessage { _ = try BatchSampler(tokens: tokens, batchSize: 2, context: 100, seed: 0) }
            == "test: 100 tokens is too few for context 100 (need at least 101)")
        #expect(dataErrorMessage { _ = try FixedEvalBatches(tokens: tokens, batchSize: 2, context: 128, batches: 1) }
            == "test: 100 tokens is too few for context 128 (need at least 129)")
        let s = try BatchSampler(tokens: tokens, batchSize: 2, context: 10, seed: 0)
        let (_, other) = try stream(count: 120)
        #expect(dataErrorMessage { _ = try BatchSampler(tokens: other, restoring: s.state) }
            == "test: sampler state was saved for 100 tokens but the data has 120 (different dataset?)")
        _ = try BatchSampler(tokens: tokens, batchSize: 1, context: 99, seed: 0)  // the smallest legal fit
    }

    @Test func fixedEvalBatchesAreEvenlySpacedAndRepeatable() throws {
        let (_, tokens) = try stream(count: 1000)
        let e = try FixedEvalBatches(tokens: tokens, batchSize: 4, context: 10, batches: 3)
        #expect(e.offsets.count == 12)
        #expect(e.offsets.first == 0 && e.offsets.last == 1000 - 10 - 1)
        #expect(zip(e.offsets, e.offsets.dropFirst()).allSatisfy { $1 - $0 >= 10 })  // disjoint here
        let b = e.batch(2)
        #expect(b == e.batch(2))
        #expect(b.inputs[0] == Int32(e.offsets[8] % 1000))
        #expect(b.targets[0] == Int32((e.offsets[8] + 1) % 1000))
        let one = try FixedEvalBatches(tokens: tokens, batchSize: 1, context: 10, batches: 1)
        #expect(one.offsets == [0])
    }
}
