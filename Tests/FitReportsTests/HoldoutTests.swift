import FitReports
import Foundation
import ScalingLaws
import Testing

/// Held-out validation, guardrails, report.md, and `predict` on a stored fit.json.
@Suite struct HoldoutTests {
    static let truth = ChinchillaParameters(E: 1.8, A: 400, B: 1500, alpha: 0.34, beta: 0.30)

    /// An isoFLOP-shaped table from `truth`: six budgets 1e17…1e20, seven sizes each around the
    /// compute-optimal N, loss times deterministic noise of ±0.2%; optional extra columns per row.
    static func chinchillaCSV(budgets: [Double] = [1e17, 3e17, 1e18, 3e18, 1e19, 1e20], sizesAround: [Double] = [-0.9, -0.6, -0.3, 0, 0.3, 0.6, 0.9],
                              extra: (header: String, value: (Int) -> String)? = nil) -> String {
        var lines = ["run_id,N,D,C,loss" + (extra.map { "," + $0.header } ?? "")]
        var k = 0
        for c in budgets {
            let nOpt = truth.computeOptimal(budget: c).nOpt
            for offset in sizesAround {
                let n = nOpt * pow(10, offset), d = c / (6 * n)
                let loss = truth.loss(n: n, d: d) * (1 + 0.002 * sin(Double(7 * k + 1)))
                lines.append("r\(k),\(n),\(d),\(c),\(loss)" + (extra.map { "," + $0.value(k) } ?? ""))
                k += 1
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func write(_ text: String, _ name: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func holdoutPredictsHeldOutRowsAndTheirExtrapolation() throws {
        let dir = try Support.outputDirectory("holdout")
        defer { Support.discard(dir) }
        let input = try Self.write(Self.chinchillaCSV(), "runs.csv", in: dir)
        let report = try Support.report(.chinchilla, input: input) {
            $0.holdout = try? HoldoutRule.parse("C>=1e19")
            $0.bootstrap = 40
        }
        let holdout = try #require(report.holdout)
        #expect(holdout.rows.count == 14)
        #expect(holdout.largestFittedC == 3e18)
        guard case .chinchilla(let fit, let rows) = report.fitted else { Issue.record("not chinchilla"); return }
        #expect(rows.count == 28)
        for row in holdout.rows {
            #expect(row.extrapolation == row.C / 3e18)
            #expect(row.predicted.estimate == fit.point.loss(n: row.N, d: row.D))
            #expect(row.relativeError == row.predicted.estimate / row.observed - 1)
            // Measured (±0.2% noise on the observations): at most 0.63% at 3.3×, 1.0% at 33×.
            #expect(abs(row.relativeError) < (row.extrapolation < 10 ? 0.008 : 0.015), "\(row.runID): \(row.relativeError)")
            #expect(row.predicted.contains(row.predicted.estimate))
        }
        #expect(Set(holdout.rows.map(\.extrapolation)) == [1e19 / 3e18, 1e20 / 3e18])
        // Text, JSON.
        let lines = report.textLines()
        #expect(lines.contains { $0.hasPrefix("held out (C>=1e+19): 14 rows, predicted by the chinchilla law at the run's N and D") })
        let json = try Support.json(try report.json())
        let stored = try #require(json["holdout"] as? [String: Any])
        #expect((stored["rows"] as? [[String: Any]])?.count == 14)
        #expect((stored["rows"] as? [[String: Any]])?.first?["extrapolation_factor"] as? Double == 1e19 / 3e18)

        // --out: holdout.svg (two panels) and report.md with the held-out table.
        let out = dir.appendingPathComponent("fit")
        let outputs = try report.writeOutputs(to: out.path)
        #expect(outputs.failures.isEmpty)
        #expect(outputs.written.map(\.lastPathComponent) == ["fit.json", "fit.svg", "frontier.svg", "isoflop.svg", "holdout.svg"])
        let chart = try Support.chart(out.appendingPathComponent("holdout.svg"))
        #expect(try chart.panels == 2)
        #expect(try chart.count("identity") == 1)
        #expect(try chart.count("errorbars") == 2)
        let markdown = try String(contentsOf: try #require(outputs.report), encoding: .utf8)
        #expect(markdown.contains("## Held-out validation"))
        #expect(markdown.contains("| r28 | 1e+19 | 3.333× |"))
    }

    @Test func holdoutRunsAndIsoFLOPFrontier() throws {
        let dir = try Support.outputDirectory("holdout-isoflop")
        defer { Support.discard(dir) }
        let input = try Self.write(Self.chinchillaCSV(), "runs.csv", in: dir)
        let report = try Support.report(.isoflop, input: input) {
            $0.holdout = .runs(["r38", "r41"])
            $0.bootstrap = 20
        }
        let holdout = try #require(report.holdout)
        #expect(holdout.rows.map(\.runID) == ["r38", "r41"])
        #expect(holdout.basis.hasPrefix("the frontier loss at the run's C"))
        guard case .isoflop(let fit) = report.fitted else { Issue.record("not isoflop"); return }
        // r38 left its budget with 6 sizes: still fitted, and the frontier predicts it.
        #expect(holdout.rows[0].predicted.estimate == fit.lossFrontier.predict(holdout.rows[0].C))
        // r38 is its budget's compute-optimal size: measured −2.2%, the frontier loss being a pure
        // power law in C (no floor) that undershoots a frontier flattening towards E at 33×.
        #expect(abs(holdout.rows[0].relativeError) < 0.03, "\(holdout.rows[0].relativeError)")
        // r41 is 8× larger than optimal: it sits above the frontier (measured: −10.6%).
        #expect(holdout.rows[1].relativeError < holdout.rows[0].relativeError)
    }

    @Test func holdoutErrorsNameTheRule() throws {
        let dir = try Support.outputDirectory("holdout-errors")
        defer { Support.discard(dir) }
        let input = try Self.write(Self.chinchillaCSV(), "runs.csv", in: dir)
        func error(_ law: FitLaw, _ configure: @escaping (inout FitRequest) -> Void) -> String? {
            do {
                _ = try Support.report(law, input: input) { $0.bootstrap = 0; configure(&$0) }
                return nil
            } catch { return "\(error)" }
        }
        #expect(error(.chinchilla) { $0.holdout = try? HoldoutRule.parse("C>1e21") }
                == "--holdout 'C>1e+21': selects none of the 42 rows the fit uses (C from 1e+17 to 1e+20)")
        #expect(error(.chinchilla) { $0.holdout = try? HoldoutRule.parse("N>=1") }
                == "--holdout 'N>=1' leaves 0 rows to fit; the chinchilla law has 5 parameters and needs at least 6")
        #expect(error(.isoflop) { $0.holdout = try? HoldoutRule.parse("C>=3e17") }
                == "--holdout 'C>=3e+17' leaves 1 FLOP budget to fit; the isoflop frontier needs at least 2")
        #expect(error(.power) { $0.holdout = try? HoldoutRule.parse("C>=1e19"); $0.xColumn = "C" }
                == "--holdout 'C>=1e+19': the power law does not predict held-out rows; use chinchilla, farseer, kaplan or isoflop")
        #expect(error(.chinchilla) { $0.holdout = .runs(["nope"]) }?.hasPrefix("--holdout-runs nope: no fitted row has run_id 'nope'") == true)
        #expect(throws: FitReportError.invalid("--holdout 'C=>1e13': expected VAR OP NUMBER with VAR one of C, N, D and OP one of >=, >, <=, < (e.g. 'C>=1e13')")) {
            try HoldoutRule.parse("C=>1e13")
        }
        #expect(throws: FitReportError.invalid("--holdout 'T>=1': expected VAR OP NUMBER with VAR one of C, N, D and OP one of >=, >, <=, < (e.g. 'C>=1e13')")) {
            try HoldoutRule.parse("T>=1")
        }
        #expect(try HoldoutRule.parse(" D < 2e8 ") == .compare(variable: .D, op: .below, value: 2e8))
    }

    // MARK: - Guardrails

    @Test func guardrailsFireOnCraftedInputsAndStaySilentOnACleanOne() throws {
        let dir = try Support.outputDirectory("guardrails")
        defer { Support.discard(dir) }
        // Clean: the truth has E = 1.8, every budget brackets its minimum, forecasts within 10×,
        // at most 3 epochs.
        let clean = try Self.write(Self.chinchillaCSV(extra: ("epochs", { k in "\(1 + Double(k % 3))" })), "clean.csv", in: dir)
        let quiet = try Support.report(.chinchilla, input: clean) { $0.bootstrap = 20; $0.budgets = [1e20, 5e20] }
        #expect(quiet.guardrails.isEmpty, "\(quiet.guardrails)")
        #expect(!quiet.textLines().contains { $0.hasPrefix("guardrail:") })

        // E → 0: a law without a floor; a forecast 100× out; runs past 4 epochs.
        var lines = ["run_id,N,D,C,loss,epochs"]
        var k = 0
        for c in [1e17, 1e18, 1e19] {
            for offset in [-0.6, -0.3, 0, 0.3, 0.6] {
                let n = Self.truth.computeOptimal(budget: c).nOpt * pow(10, offset), d = c / (6 * n)
                lines.append("r\(k),\(n),\(d),\(c),\(400 / pow(n, 0.34) + 1500 / pow(d, 0.3)),\(k < 2 ? 6.5 : 1)")
                k += 1
            }
        }
        let floorless = try Self.write(lines.joined(separator: "\n") + "\n", "floorless.csv", in: dir)
        let loud = try Support.report(.chinchilla, input: floorless) { $0.bootstrap = 0; $0.budgets = [1e21] }
        let kinds = loud.guardrails.map(\.kind)
        #expect(kinds.contains(.bound), "\(loud.guardrails)")
        #expect(kinds.contains(.extrapolation))
        #expect(kinds.contains(.epochs))
        #expect(loud.guardrails.first { $0.kind == .epochs }?.message.hasPrefix("2 runs trained beyond 4 epochs of the training split: r0 (6.5), r1 (6.5)") == true)
        #expect(loud.guardrails.first { $0.kind == .extrapolation }?.message.hasPrefix("forecast at C = 1e+21 is 100× the largest fitted budget (1e+19)") == true)
        #expect(loud.textLines().filter { $0.hasPrefix("guardrail: ") }.count == loud.guardrails.count)
        let json = try Support.json(try loud.json())
        #expect((json["guardrails"] as? [[String: Any]])?.count == loud.guardrails.count)

        // An isoFLOP budget whose lowest loss is at its largest size.
        let edge = try Self.write(Self.chinchillaCSV(sizesAround: [-0.9, -0.6, -0.3, 0]), "edge.csv", in: dir)
        let edged = try Support.report(.isoflop, input: edge) { $0.bootstrap = 0; $0.keepEdgeBudgets = true }
        #expect(edged.guardrails.filter { $0.kind == .edgeMinimum }.count == 6, "\(edged.guardrails)")
    }

    @Test func wideIntervalGuardrail() {
        let narrow = ParameterEstimate(estimate: 1e9, ci95: [5e8, 2e9]), wide = ParameterEstimate(estimate: 1e9, ci95: [1e8, 2e9])
        #expect(Guardrails.wideIntervals([(C: 1e21, nOpt: narrow, dOpt: narrow)]).isEmpty)
        let fired = Guardrails.wideIntervals([(C: 1e21, nOpt: wide, dOpt: narrow)])
        #expect(fired.map(\.message) == ["at C = 1e+21 the 95% interval of N_opt [1e+08, 2e+09] spans more than a decade: the allocation is not pinned down by these runs"])
    }

    // MARK: - --fix, report.md, predict

    @Test func fixIsReportedAsFixed() throws {
        let dir = try Support.outputDirectory("fix")
        defer { Support.discard(dir) }
        let input = try Self.write(Self.chinchillaCSV(), "runs.csv", in: dir)
        let report = try Support.report(.chinchilla, input: input) { $0.bootstrap = 10; $0.fixed = [ParameterFix(name: "E", value: 1.7)] }
        #expect(report.textLines().contains { $0.hasPrefix("E ") && $0.hasSuffix("1.7       fixed (--fix)") })
        let json = try Support.json(try report.json())
        let e = try #require((json["parameters"] as? [String: Any])?["E"] as? [String: Any])
        #expect(e["fixed"] as? Bool == true)
        #expect(e["estimate"] as? Double == 1.7)
        #expect(throws: FitReportError.invalid("--fix: the isoflop law has no fitted parameters to fix; --fix works with chinchilla, farseer and schedule")) {
            try Support.report(.isoflop, input: input) { $0.fixed = [ParameterFix(name: "a", value: 0.5)] }
        }
    }

    @Test func reportMarkdownRecordsTheCommandAndLinksWrittenCharts() throws {
        let dir = try Support.outputDirectory("report-md")
        defer { Support.discard(dir) }
        let input = try Self.write(Self.chinchillaCSV(), "runs.csv", in: dir)
        let report = try Support.report(.isoflop, input: input) { $0.bootstrap = 10; $0.commandLine = "windtunnel fit --law isoflop --input runs.csv" }
        let out = dir.appendingPathComponent("out")
        let outputs = try report.writeOutputs(to: out.path)
        let url = try #require(outputs.report)
        #expect(url.lastPathComponent == "report.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasPrefix("# Fit report: isoflop\n\nProduced by:\n\n```\nwindtunnel fit --law isoflop --input runs.csv\n```"))
        #expect(text.contains("| a | "))
        #expect(text.contains("## Warnings and guardrails\n\nNone."))
        let links = text.split(separator: "\n").filter { $0.hasPrefix("![") }.map { line in
            String(line[line.index(after: line.firstIndex(of: "(")!)..<line.lastIndex(of: ")")!])
        }
        #expect(links == ["isoflop.svg", "frontier.svg"])
        for link in links { #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(link).path), "\(link)") }
        // No temp files left beside it.
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: out.path)) == ["fit.json", "isoflop.svg", "frontier.svg", "report.md"])
    }

    @Test func predictOnAStoredFitEqualsTheLaw() throws {
        let dir = try Support.outputDirectory("predict")
        defer { Support.discard(dir) }
        let input = try Self.write(Self.chinchillaCSV(), "runs.csv", in: dir)
        for law in [FitLaw.chinchilla, .farseer, .kaplan, .isoflop] {
            let report = try Support.report(law, input: input) { $0.bootstrap = 12 }
            let out = dir.appendingPathComponent(law.rawValue)
            _ = try report.writeOutputs(to: out.path)
            let fitJSON = out.appendingPathComponent("fit.json").path
            let atBudget = try PredictionReport(fit: fitJSON, query: .budget(3e20))
            #expect(atBudget.loss.contains(atBudget.loss.estimate), "\(law)")
            #expect(atBudget.draws == 12 || law == .isoflop && atBudget.draws > 0, "\(law): \(atBudget.draws)")
            #expect(atBudget.extrapolation == 3)
            switch report.fitted {
            case .chinchilla(let r, _):
                let p = try PredictionReport(fit: out.path, query: .tokens(n: 3e8, d: 6e9))
                #expect(p.loss.estimate == r.point.loss(n: 3e8, d: 6e9))
                #expect(p.loss.contains(p.loss.estimate))
                #expect(atBudget.nOpt?.estimate == r.computeOptimal(at: 3e20).nOpt.estimate)
            case .farseer(let r, _):
                let p = try PredictionReport(fit: fitJSON, query: .tokens(n: 3e8, d: 6e9))
                #expect(p.loss.estimate == r.point.loss(n: 3e8, d: 6e9))
                #expect(p.loss.contains(p.loss.estimate))
            case .kaplan(let r, _):
                let p = try PredictionReport(fit: fitJSON, query: .tokens(n: 3e8, d: 6e9))
                #expect(p.loss.estimate == r.joint.loss(n: 3e8, d: 6e9))
                #expect(p.loss.contains(p.loss.estimate))
            case .isoflop(let r):
                #expect(atBudget.loss.estimate == r.lossFrontier.predict(3e20))
                #expect(atBudget.nOpt?.estimate == r.nFrontier.predict(3e20))
                #expect(throws: FitReportError.self) { try PredictionReport(fit: fitJSON, query: .tokens(n: 3e8, d: 6e9)) }
            default: Issue.record("unexpected law \(law)")
            }
        }
    }
}

/// --holdout on a tuned, seeded sweep selects among the rows the fit uses: the tuned seed means.
@Suite struct TunedHoldoutTests {
    @Test func holdoutAppliesToTheTunedSeedMeans() throws {
        let dir = try TunedSweep.directory()
        defer { Support.discard(dir) }
        let report = try Support.report(.chinchilla, input: dir) {
            $0.bootstrap = 0
            $0.holdout = try? HoldoutRule.parse("N>=16e6")
        }
        let holdout = try #require(report.holdout)
        // Two sizes × two budgets of tuned means; none of the runs or untuned means.
        #expect(Set(holdout.rows.map(\.runID)) == ["n16000000-c10-lr1", "n32000000-c10-lr1", "n16000000-c40-lr1", "n32000000-c40-lr1"])
        guard case .chinchilla(_, let rows) = report.fitted else { Issue.record("not chinchilla"); return }
        #expect(rows.count == 6)
        #expect(report.textLines()[1].hasPrefix("fitted on 10 tuned seed means of 40 runs; 10 best values at a grid edge: "))
        #expect(report.textLines()[1].hasSuffix("; 4 of them held out"))
    }
}
