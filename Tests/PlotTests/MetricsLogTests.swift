import Foundation
import Plot
import Testing

@Suite("Metrics log reading")
struct MetricsLogTests {
    private func fixture(_ path: String) throws -> URL {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return root.appendingPathComponent(path)
    }

    @Test func sweepDirectoryListsRunsWithMetrics() throws {
        let runs = try MetricsLog.runs(at: fixture("sweep"))
        #expect(runs.map(\.id) == ["a", "b"])  // "pending" has no metrics yet
    }

    @Test func runDirectoryAndFile() throws {
        #expect(try MetricsLog.runs(at: fixture("sweep/runs/a")).map(\.id) == ["a"])
        #expect(try MetricsLog.runs(at: fixture("sweep/runs/b/metrics.jsonl")).map(\.id) == ["b"])
    }

    @Test func missingInputIsAnError() throws {
        #expect(throws: PlotError.self) { try MetricsLog.runs(at: URL(fileURLWithPath: "/nonexistent/run")) }
        #expect(throws: PlotError.self) { try MetricsLog.runs(at: fixture("sweep/runs/pending")) }
    }

    @Test func curvesSkipLinesWithoutTheField() throws {
        let run = try #require(try MetricsLog.runs(at: fixture("sweep")).last)
        let train = try MetricsLog.curve(run, x: "tokens", y: "loss")
        #expect(train.curve.points.count == 41)
        #expect(train.malformedLines == 1)  // the line cut short at the end
        let val = try MetricsLog.curve(run, x: "tokens", y: "val_loss")
        #expect(val.curve.points.count == 5)
        #expect(val.linesWithoutFields == 36)
        #expect(val.numericFields.isSuperset(of: ["step", "tokens", "flops", "loss", "val_loss"]))
        let unknown = try MetricsLog.curve(run, x: "tokens", y: "perplexity")
        #expect(unknown.curve.points.isEmpty)
    }

    @Test func sweepCurvesRender() throws {
        let curves = try MetricsLog.runs(at: fixture("sweep")).map { try MetricsLog.curve($0, x: "tokens", y: "loss").curve }
        let (doc, rendered) = try Support.check(Charts.lossCurves(curves, xFormat: .si), name: "sweep-curves")
        #expect(try Support.series(doc, kind: "line").count == 2)
        // Step 0 has tokens = 0, which a log axis cannot show: dropped and said so.
        #expect(rendered.notes.count == 2)
        #expect(rendered.notes.allSatisfy { $0.contains("x ≤ 0") })
    }
}
