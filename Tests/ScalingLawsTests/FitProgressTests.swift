import Foundation
import ScalingLaws
import Testing

/// Progress lines of long fits: silent without a sink (library use, tests) and within the quiet
/// period; with a sink, the bootstrap counts its refits.
@Suite(.serialized) struct FitProgressTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    }

    func fit(resamples: Int) throws {
        let truth = ChinchillaParameters(E: 1.7, A: 400, B: 2000, alpha: 0.34, beta: 0.28)
        var options = ChinchillaOptions()
        options.grid = smallChinchillaGrid
        options.bootstrap = BootstrapOptions(resamples: resamples, seed: 3)
        _ = try ChinchillaFit.fit(syntheticChinchillaRows(truth, count: 60, sigma: 0.01, seed: 5), options: options)
    }

    /// The sink is process-wide and other suites' fits run in parallel, so only lines of this
    /// test's bootstrap (an unusual 7 refits) are checked.
    @Test func bootstrapReportsItsRefitsOnlyToAnInstalledSinkAfterTheQuietPeriod() throws {
        defer { FitProgress.shared.configure(sink: nil) }
        func ours(_ lines: Lines) -> [String] { lines.all.filter { $0.hasPrefix("fit: bootstrap refits") && $0.contains("/7 ") } }
        let quiet = Lines()
        FitProgress.shared.configure(sink: { quiet.append($0) }, quietSeconds: 3600)
        try fit(resamples: 7)
        #expect(ours(quiet).isEmpty, "\(quiet.all)")

        let loud = Lines()
        FitProgress.shared.configure(sink: { loud.append($0) }, quietSeconds: 0, intervalSeconds: 0)
        try fit(resamples: 7)
        #expect(ours(loud).first?.hasPrefix("fit: bootstrap refits 0/7") == true, "\(loud.all)")
        #expect(ours(loud).contains { $0.hasPrefix("fit: bootstrap refits 7/7") }, "\(loud.all)")
    }
}
