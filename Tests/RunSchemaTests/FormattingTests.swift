import RunSchema
import Testing

@Suite struct FormattingTests {
    @Test func counts() {
        #expect(formatCount(42) == "42")
        #expect(formatCount(12_345) == "12.3k")
        #expect(formatCount(1.23e9) == "1.23G")
        #expect(formatCount(2e12) == "2T")
    }

    @Test func durations() {
        #expect(formatDuration(42.4) == "42s")
        #expect(formatDuration(187) == "3m07s")
        #expect(formatDuration(7500) == "2h05m")
    }

    @Test func compactNumbers() {
        #expect(compactNumber(1e13) == "1e13")
        #expect(compactNumber(0.001) == "0.001")
        #expect(compactNumber(3e-4) == "0.0003")
        #expect(compactNumber(12345.6) == "1.23e4")
    }

    /// The sampler's resume and the bootstrap's replicates depend on these exact sequences.
    @Test func splitMix64Sequences() {
        var a = SplitMix64(seed: 0)
        #expect(a.next() == 0xE220_A839_7B1D_CDAF)
        #expect(a.next() == 0x6E78_9E6A_A1B9_65F4)
        var b = SplitMix64(seed: 7, stream: 3)
        var c = SplitMix64(seed: 7, stream: 3)
        #expect(b.next() == c.next())
        var d = SplitMix64(seed: 7, stream: 4)
        #expect(b.next() != d.next())
        var e = SplitMix64(seed: 1)
        #expect((0..<100).allSatisfy { _ in e.next(below: 10) < 10 })
    }
}
