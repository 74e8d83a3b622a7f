import Foundation
import Testing
import Data

@Suite struct EvalWindowsTests {
    /// A stream whose token at position i is i % 1000, so a window's start shows in its values.
    func stream(count: Int, shards: Int = 1) throws -> (TempDir, TokenStream) {
        let dir = try TempDir()
        let all = (0..<count).map { UInt16($0 % 1000) }
        let per = (count + shards - 1) / shards
        let files = try (0..<shards).map { s in
            let url = dir.file("s\(s).bin")
            try writeTokenFile(Array(all[min(count, s * per)..<min(count, (s + 1) * per)]), to: url)
            return try TokenFile(url: url, layout: .nanoGPT)
        }
        return (dir, TokenStream(name: "val", files: files))
    }

    func rows(_ w: EvalWindows, _ range: Range<Int>) -> (inputs: [Int32], targets: [Int32]) {
        var inputs = [Int32](repeating: -1, count: range.count * w.context), targets = inputs
        inputs.withUnsafeMutableBufferPointer { i in
            targets.withUnsafeMutableBufferPointer { t in w.fill(range, inputs: i.baseAddress!, targets: t.baseAddress!) }
        }
        return (inputs, targets)
    }

    @Test func withoutACapEveryNonOverlappingWindowFromTheStartIsScored() throws {
        // 1001 tokens hold exactly 100 windows of 10: the last one's last target is token 1000.
        let (_, tokens) = try stream(count: 1001, shards: 3)  // windows cross shard boundaries
        let w = try EvalWindows(tokens: tokens, context: 10)
        #expect(w.available == 100 && w.indices == Array(0..<100) && w.coversSplit && w.tokenCount == 1000)
        let all = rows(w, 0..<100)
        #expect(all.inputs == (0..<1000).map { Int32($0 % 1000) })
        #expect(all.targets == (1...1000).map { Int32($0 % 1000) })
        let some = rows(w, 37..<39)  // window i: inputs tokens[10i ..< 10i+10], targets shifted by one
        #expect(some.inputs == (370..<390).map(Int32.init) && some.targets == (371..<391).map(Int32.init))
        // One token fewer and the last window's last target is missing: 99 windows.
        let (_, short) = try stream(count: 1000)
        #expect(try EvalWindows(tokens: short, context: 10).available == 99)
    }

    @Test func aCapTakesEvenlySpacedWindowsIncludingTheFirstAndLast() throws {
        let (_, tokens) = try stream(count: 1000)
        let w = try EvalWindows(tokens: tokens, context: 10, maxTokens: 95)  // ⌈95/10⌉ = 10 of 99 windows
        #expect(w.indices == [0, 10, 21, 32, 43, 54, 65, 76, 87, 98])  // i·98/9
        #expect(!w.coversSplit && w.count == 10 && w.tokenCount == 100)
        #expect(rows(w, 2..<3).inputs == (210..<220).map(Int32.init))
        #expect(try EvalWindows(tokens: tokens, context: 10, maxTokens: 1).indices == [0])
        #expect(try EvalWindows(tokens: tokens, context: 10, maxTokens: 980).indices == Array(0..<98).map { $0 * 98 / 97 })
        // A cap the split fits under scores all of it.
        for cap in [990, 10_000] { #expect(try EvalWindows(tokens: tokens, context: 10, maxTokens: cap).coversSplit) }
    }

    @Test func badArgumentsAreClearErrors() throws {
        let (_, tokens) = try stream(count: 100)
        #expect(dataErrorMessage { _ = try EvalWindows(tokens: tokens, context: 100) } == "val: 100 tokens is too few for context 100 (need at least 101)")
        #expect(dataErrorMessage { _ = try EvalWindows(tokens: tokens, context: 0) } == "eval windows need context ≥ 1 (got 0)")
        #expect(dataErrorMessage { _ = try EvalWindows(tokens: tokens, context: 10, maxTokens: 0) } == "eval windows need a token cap ≥ 1 (got 0)")
    }
}
