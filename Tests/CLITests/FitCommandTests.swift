import CommandTestSupport
import Foundation
import Testing

/// `windtunnel fit` and `windtunnel plot isoflop|frontier|fit` end to end, run as a subprocess on
/// Porian et al.'s RW tuned isoFLOP table (12 budgets, 121 runs): exit statuses, what goes to
/// stdout and stderr, the files written. The charts' content is tested in FitReportsTests.
@Suite struct FitCommandTests {
    static let porian = "porian_rw_tuned_short_const_standard_val"

    /// The fixture with the smallest budget cut to its 3 smallest models, so its lowest loss is
    /// at the largest remaining size: that budget is skipped (an edge minimum).
    static func porianWithEdgeBudget(in dir: URL) throws -> URL {
        let lines = try String(contentsOf: try CLI.fixture(porian), encoding: .utf8).split(whereSeparator: \.isNewline)  // CRLF
        var smallest = 0
        let kept = lines.filter { line in
            guard line.hasSuffix(",1.25e+16") else { return true }
            smallest += 1
            return smallest <= 3
        }
        let url = dir.appendingPathComponent("porian-edge.csv")
        try (kept.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func outWritesJSONAndChartsAndListsThem() throws {
        let dir = try temporaryDirectory("cli-fit-out")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try Self.porianWithEdgeBudget(in: dir).path
        let out = dir.appendingPathComponent("fit")
        let result = try runWindtunnel(["fit", "--law", "isoflop", "--input", input, "--out", out.path, "--bootstrap", "40"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("law: isoflop\nparameter  estimate"), "\(result.stdout)")
        for file in ["fit.json", "isoflop.svg", "frontier.svg"] {
            #expect(result.stdout.contains("wrote \(out.appendingPathComponent(file).path)"), "\(file) not listed: \(result.stdout)")
        }

        let fit = try CLI.json(out.appendingPathComponent("fit.json"))
        let budgets = try #require(fit["budgets"] as? [[String: Any]])
        #expect(budgets.count == 12)
        let used = budgets.filter { $0["used"] as? Bool == true }
        #expect(used.count == 11, "the cut budget has an edge minimum; got \(used.count) used")

        // The renderer's notes of the focused y axis come as one line; the skipped budget warns.
        #expect(result.stderr.split(separator: "\n").filter { $0.contains("outside the axis range") }.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("warning: budget C=1.25e+16: lowest loss at the largest size"), "\(result.stderr)")
    }

    @Test func jsonKeepsStdoutOneDocument() throws {
        let dir = try temporaryDirectory("cli-fit-json")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try CLI.fixture(Self.porian).path
        let result = try runWindtunnel(["fit", "--law", "isoflop", "--input", input, "--bootstrap", "0", "--json", "--out", dir.path])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["law"] as? String == "isoflop")
        #expect(json["input"] as? String == input)
        #expect(try CLI.json(dir.appendingPathComponent("fit.json"))["law"] as? String == "isoflop")
        // The file list goes to stderr.
        for file in ["fit.json", "isoflop.svg", "frontier.svg"] {
            #expect(result.stderr.contains("wrote \(dir.appendingPathComponent(file).path)\n"), "\(file) not listed: \(result.stderr)")
        }
    }

    @Test func plotSubcommandsWriteOneChartEach() throws {
        let dir = try temporaryDirectory("cli-plot")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try CLI.fixture(Self.porian).path
        let cases: [([String], String, String)] = [
            (["plot", "isoflop"], "isoflop.svg", "scatter"),
            (["plot", "frontier", "--bootstrap", "20"], "frontier.svg", "band"),
            (["plot", "fit", "--law", "kaplan"], "kaplan-fit.svg", "identity"),
            (["plot", "fit", "--law", "power", "--x-col", "C"], "power-fit.svg", "identity"),
        ]
        for (arguments, file, kind) in cases {
            let out = dir.appendingPathComponent(file)
            let result = try runWindtunnel(arguments + ["--input", input, "--out", out.path, "--title", "Custom title"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.contains("wrote \(out.path)"))
            let svg = try String(contentsOf: out, encoding: .utf8)
            #expect(svg.contains("data-kind=\"\(kind)\""), "\(file)")
            #expect(svg.contains("Custom title"), "\(file)")
        }
    }

    @Test func missingInputIsOneLineUserError() throws {
        let dir = try temporaryDirectory("cli-missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("no-such.csv").path
        let out = dir.appendingPathComponent("fit")
        for arguments in [["fit", "--law", "isoflop", "--input", missing, "--out", out.path],
                          ["plot", "frontier", "--input", missing, "--out", out.appendingPathComponent("f.svg").path]] {
            let result = try runWindtunnel(arguments)
            #expect(result.status == 1, "\(arguments)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(lines.first?.contains(missing) == true && lines.first?.contains("no such file") == true, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: out.path), "nothing is written when the input is missing")
    }

    @Test(arguments: [
        ["fit", "--law", "parabola", "--input", "x.csv"],
        ["plot", "isoflop", "--law", "envelope", "--input", "x.csv", "--out", "x.svg"],
        ["plot", "fit", "--law", "isoflop", "--input", "x.csv", "--out", "x.svg"],
        ["plot", "frontier", "--input", "x.csv"],  // no --out
    ])
    func usageErrorsExitTwo(_ arguments: [String]) throws {
        let result = try runWindtunnel(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }
}
