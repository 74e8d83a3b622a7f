import CommandTestSupport
import Foundation
import Testing

/// `windtunnel fit` on a tuned sweep's table: the tuned rows by default, every run with --all-rows.
@Suite struct TunedFitCommandTests {
    /// Four sizes × two lrs; the tuned lr follows y = 2 + 10 N^−0.3 exactly, the other is 0.1 worse.
    static func table() -> String {
        var lines = ["run_id,N,D,val_loss,kind,point,tuned,tune_edge"]
        for n in [1e4, 1e5, 1e6, 1e7] {
            let y = 2 + 10 * pow(n, -0.3)
            lines.append("n\(Int(n))-lr1,\(n),1e8,\(y),run,n\(Int(n)),1,")
            lines.append("n\(Int(n))-lr2,\(n),1e8,\(y + 0.1),run,n\(Int(n)),0,")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func fitUsesTheTunedRowsUnlessAllRows() throws {
        let dir = try temporaryDirectory("cli-tuned-fit")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.table().write(to: dir.appendingPathComponent("results.csv"), atomically: true, encoding: .utf8)
        let args = ["fit", "--law", "power", "--x-col", "N", "--input", dir.path, "--bootstrap", "0"]
        let tuned = try runWindtunnel(args)
        #expect(tuned.status == 0, "\(tuned.stderr)")
        let lines = tuned.stdout.split(separator: "\n")
        #expect(lines[1] == "fitted on 4 tuned rows of 8 runs; 0 best values at a grid edge", "\(tuned.stdout)")
        let all = try runWindtunnel(args + ["--all-rows"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.split(separator: "\n")[1] == "fitted on 8 run rows of 8 runs (--all-rows)", "\(all.stdout)")
        let json = try runWindtunnel(args + ["--json"])
        let fit = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let rows = try #require(fit["rows"] as? [String: Any])
        #expect(rows["rows_fitted"] as? Int == 4 && rows["tuned"] as? Bool == true)
        #expect((rows["rms_log_residual"] as? Double ?? 1) < 1e-6)  // the tuned rows lie on the law
    }
}
