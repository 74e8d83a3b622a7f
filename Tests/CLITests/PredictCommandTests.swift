import CommandTestSupport
import Foundation
import Testing

/// `windtunnel predict` end to end on hand-written fit.json files (no fit is run: what predict
/// reads is the stored predictor), and the bad inputs of predict, --fix and --holdout: each one
/// line on stderr, exit 1, nothing on stdout.
@Suite struct PredictCommandTests {
    /// A chinchilla fit.json: E = 1.8, A = 400, B = 1500, α = 0.34, β = 0.30, and two draws
    /// around it; fitted budgets up to 1e18.
    static func chinchillaFit(formatVersion: Int = 2, law: String = "chinchilla", predictor: Bool = true) -> String {
        let p = """
            "predictor": {"format": 1, "law": "chinchilla", "loss_column": "val_loss",
              "parameter_names": ["E", "A", "B", "alpha", "beta"], "point": [1.8, 400, 1500, 0.34, 0.30],
              "samples": [[1.7, 380, 1400, 0.33, 0.29], [1.9, 420, 1600, 0.35, 0.31]], "fixed": [],
              "rows_fitted": 40, "largest_fitted_C": 1e18, "C_per_6ND": 1, "accounting": "C column"},
            """
        return "{\(predictor ? p : "") \"format_version\": \(formatVersion), \"law\": \"\(law)\", \"guardrails\": [{\"kind\": \"bound\", \"message\": \"E = 1e-10 is at its lower bound 0\"}]}"
    }

    static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func predictsAtNDAndAtABudget() throws {
        let dir = try temporaryDirectory("cli-predict")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fit = try Self.write(Self.chinchillaFit(), "fit.json", in: dir)
        let loss = 1.8 + 400 / pow(1e9, 0.34) + 1500 / pow(2e10, 0.30)
        let atND = try runWindtunnel(["predict", "--fit", fit, "--n", "1e9", "--d", "2e10"])
        #expect(atND.status == 0, "\(atND.stderr)")
        let lines = atND.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "fit: \(fit) (chinchilla on 40 rows, val_loss; 2 bootstrap draws; C: C column)")
        #expect(lines[1] == "at N = 1e+09, D = 2e+10 (C = 6ND × 1 = 1.2e+20, 120× the largest fitted C)")
        #expect(lines[2] == "quantity  predicted  95% interval")
        #expect(lines[3].hasPrefix("loss      \(String(format: "%.4g", loss))      ["), "\(lines[3])")
        #expect(lines.contains { $0.hasPrefix("guardrail: forecast at C = 1.2e+20 is 120× the largest fitted budget (1e+18)") })
        #expect(lines.last == "guardrail (from the fit): E = 1e-10 is at its lower bound 0")

        let atC = try runWindtunnel(["predict", "--fit", dir.path, "--c", "5e18", "--json"])
        #expect(atC.status == 0, "\(atC.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(atC.stdout.utf8)) as? [String: Any])
        #expect(json["C"] as? Double == 5e18)
        #expect(json["extrapolation_factor"] as? Double == 5)
        #expect((json["guardrails"] as? [Any])?.isEmpty == true)
        let nOpt = try #require((json["N_opt"] as? [String: Any])?["estimate"] as? Double)
        // G·(C/6)^a with the point's parameters.
        let g = pow(0.34 * 400 / (0.30 * 1500), 1 / 0.64)
        #expect(abs(nOpt / (g * pow(5e18 / 6, 0.30 / 0.64)) - 1) < 1e-12)
        let ci = try #require((json["loss"] as? [String: Any])?["ci95"] as? [Double])
        #expect(ci.count == 2 && ci[0] < ci[1])
    }

    @Test func badInputIsOneLineAndExitOne() throws {
        let dir = try temporaryDirectory("cli-predict-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try Self.write(Self.chinchillaFit(), "good.json", in: dir)
        let foreign = try Self.write("{\"name\": \"something else\"}", "foreign.json", in: dir)
        let notJSON = try Self.write("law,N\n", "table.csv", in: dir)
        let older = try Self.write(Self.chinchillaFit(formatVersion: 1, predictor: false), "old.json", in: dir)
        let power = try Self.write(Self.chinchillaFit(law: "power", predictor: false), "power.json", in: dir)
        let isoflop = try Self.write(Self.chinchillaFit().replacingOccurrences(of: "\"law\": \"chinchilla\", \"loss_column\"", with: "\"law\": \"isoflop\", \"loss_column\""), "iso.json", in: dir)
        let missing = dir.appendingPathComponent("none.json").path
        let table = dir.appendingPathComponent("t.csv")
        try "run_id,N,D,C,loss\na,1e6,1e8,6e14,3\nb,2e6,1e8,1.2e15,2.9\nc,4e6,1e8,2.4e15,2.8\n".write(to: table, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["predict", "--fit", missing, "--c", "1e18"], "Error: --fit \(missing): no such file"),
            (["predict", "--fit", foreign, "--c", "1e18"], "Error: --fit \(foreign): not a windtunnel fit.json (no format_version and law)"),
            (["predict", "--fit", notJSON, "--c", "1e18"], "Error: --fit \(notJSON): not a windtunnel fit.json ("),
            (["predict", "--fit", older, "--c", "1e18"], "Error: --fit \(older): written by an older windtunnel (format_version 1) without the bootstrap draws predict needs; rerun `windtunnel fit … --out DIR` to refresh it"),
            (["predict", "--fit", power, "--c", "1e18"], "Error: --fit \(power): a power fit cannot predict a loss; predict reads chinchilla, farseer, kaplan and isoflop fits"),
            (["predict", "--fit", isoflop, "--n", "1e9", "--d", "1e10"], "Error: --fit \(isoflop): an isoflop fit knows only its compute-optimal frontier, not the loss of a given (N, D): ask for --c C, or fit a chinchilla or farseer law"),
            (["predict", "--fit", good, "--n=-1", "--d", "1e10"], "Error: --n must be a positive number, got -1"),
            (["predict", "--fit", good, "--c", "0"], "Error: --c must be a positive number of FLOPs, got 0"),
            (["predict", "--fit", good, "--n", "1e9"], "Error: give --n N and --d D (loss at that size and data), or --c C (compute-optimal loss and allocation)"),
            (["predict", "--fit", good, "--n", "1e9", "--d", "1e9", "--c", "1e18"], "Error: give either --n and --d, or --c, not both"),
            (["fit", "--law", "chinchilla", "--input", table.path, "--fix", "E"], "Error: --fix 'E': expected NAME=VALUE with a number, e.g. E=1.7"),
            (["fit", "--law", "chinchilla", "--input", table.path, "--fix", "Q=1"], "Error: --fix Q: the chinchilla law has no parameter 'Q'; its parameters: E, A, B, alpha, beta"),
            (["fit", "--law", "chinchilla", "--input", table.path, "--holdout", "C~1"], "Error: --holdout 'C~1': expected VAR OP NUMBER"),
            (["fit", "--law", "chinchilla", "--input", table.path, "--holdout", "C>1", "--holdout-runs", "a"], "Error: give --holdout or --holdout-runs, not both"),
            (["fit", "--law", "chinchilla", "--input", table.path, "--holdout-runs", "a"], "Error: --holdout-runs a leaves 2 rows to fit; the chinchilla law has 5 parameters and needs at least 6"),
        ]
        for (arguments, message) in cases {
            let result = try runWindtunnel(arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix(message), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result.stdout)")
        }
    }
}
