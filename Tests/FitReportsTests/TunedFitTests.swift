import FitReports
import Foundation
import ScalingLaws
import Testing

/// A tuned, seeded isoFLOP sweep's results table (synthetic, as `sweep results --csv` writes it):
/// per budget and size two lrs (the second 0.05 worse) × two seeds (±0.01 around the mean).
enum TunedSweep {
    static let budgets: [Double] = [1e16, 4e16]
    static let sizes: [Double] = [2e6, 4e6, 8e6, 16e6, 32e6]

    static func resultsCSV() -> String {
        var lines = ["run_id,N,D,C,val_loss,isoflop_budget,kind,point,tuned,tune_edge,val_loss_std,n_seeds"]
        for c in budgets {
            for n in sizes {
                let d = c / (6 * n)
                let best = 1.69 + 406.4 / pow(n, 0.34) + 410.7 / pow(d, 0.28)
                let point = "n\(Int(n))-c\(Int(c / 1e15))"
                for (k, lr) in ["lr1", "lr2"].enumerated() {
                    let mean = best + 0.05 * Double(k), tuned = k == 0 ? 1 : 0
                    for (s, delta) in [-0.01, 0.01].enumerated() {
                        lines.append("\(point)-\(lr)-s\(s),\(n),\(d),\(c),\(mean + delta),\(c),run,\(point),\(tuned),,,")
                    }
                    let edge = k == 0 ? "low" : ""
                    lines.append("\(point)-\(lr),\(n),\(d),\(c),\(mean),\(c),mean,\(point),\(tuned),\(edge),0.1414,2")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func directory() throws -> URL {
        let dir = try Support.outputDirectory("tuned-sweep")
        try resultsCSV().write(to: dir.appendingPathComponent("results.csv"), atomically: true, encoding: .utf8)
        return dir
    }
}

@Suite struct TunedFitTests {
    @Test func theFitUsesTheTunedSeedMeansAndSaysSo() throws {
        let dir = try TunedSweep.directory()
        defer { Support.discard(dir) }
        let report = try Support.report(.isoflop, input: dir) { $0.bootstrap = 0 }
        let selection = try #require(report.selection)
        #expect(selection.fitted == 10 && selection.runs == 40 && selection.tuned && selection.seedMeans)
        #expect(selection.edges.count == 10)
        // Every fitted point is a tuned mean: the isoFLOP points are exactly the tuned means' ids.
        guard case .isoflop(let r) = report.fitted else { Issue.record("not isoflop"); return }
        #expect(Set(r.budgets.flatMap { $0.points.map(\.runID) }) == Set(TunedSweep.budgets.flatMap { c in
            TunedSweep.sizes.map { "n\(Int($0))-c\(Int(c / 1e15))-lr1" }
        }))
        let lines = report.textLines()
        #expect(lines[1].hasPrefix("fitted on 10 tuned seed means of 40 runs; 10 best values at a grid edge: "))
        #expect(lines[2].hasPrefix("seed noise: mean std 0.1414 (") && lines[2].contains("residuals: RMS log"))
        let json = try Support.json(try report.json())
        let rows = try #require(json["rows"] as? [String: Any])
        #expect(rows["rows_fitted"] as? Int == 10 && rows["run_rows"] as? Int == 40 && rows["seed_means"] as? Bool == true)
        #expect((rows["seed_noise"] as? [String: Any])?["points"] as? Int == 10)
        #expect(rows["rms_log_residual"] is Double)
        // The charts draw ±1 std on the seed means.
        let out = try Support.outputDirectory("tuned-sweep-out")
        defer { Support.discard(out) }
        _ = try report.writeOutputs(to: out.path)
        let chart = try Support.chart(out.appendingPathComponent("isoflop.svg"))
        #expect(try chart.count("errorbars") == TunedSweep.budgets.count)
        #expect(try chart.elements("//*[@data-kind='errorbars']/*").count == 10)
    }

    @Test func allRowsFitsEveryRun() throws {
        let dir = try TunedSweep.directory()
        defer { Support.discard(dir) }
        let report = try Support.report(.isoflop, input: dir) {
            $0.bootstrap = 0
            $0.allRows = true
        }
        guard case .isoflop(let r) = report.fitted else { Issue.record("not isoflop"); return }
        #expect(r.budgets.map(\.points.count) == [20, 20])
        #expect(report.textLines()[1] == "fitted on 40 run rows of 40 runs (--all-rows)")
        // Without tune/seeds marks the report is as before: no selection line.
        let plain = try Support.report(.isoflop, input: Support.porian) { $0.bootstrap = 0 }
        #expect(plain.selection == nil && plain.textLines()[1].hasPrefix("parameter"))
    }
}
