import CommandTestSupport
import Foundation
import Testing

/// `sample`, `eval` and `export` end to end on a run trained by the binary, with their bad inputs:
/// one line on stderr, exit 1 (2 for usage errors), nothing written.
@Suite struct UseModelCommandTests {
    @Test func sampleEvalAndExportARunAndRefuseBadInput() throws {
        let dir = try temporaryDirectory("use-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = String(repeating: "to be or not to be, that is the question.\n", count: 60)
        try text.write(to: dir.appendingPathComponent("corpus.txt"), atomically: true, encoding: .utf8)
        let data = dir.appendingPathComponent("data").path
        #expect(try runWindtunnel(["data", "prepare", "--input", dir.appendingPathComponent("corpus.txt").path,
                                   "--tokenizer", "char", "--out", data]).status == 0)
        let config = """
            { "seed": 1, "data": { "dir": "\(data)" },
              "model": { "context_length": 16, "d_model": 16, "n_layer": 1, "n_head": 2 },
              "train": { "batch_size": 4, "steps": 3, "eval_interval": 3, "eval_batches": 1 },
              "optim": { "lr": 1e-3 }, "schedule": { "kind": "constant" } }
            """
        try config.write(to: dir.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
        let run = dir.appendingPathComponent("run").path
        let trained = try runWindtunnel(["train", dir.appendingPathComponent("c.json").path, "--out", run, "--threads", "1"])
        #expect(trained.status == 0, "\(trained.stderr)")

        let sample = ["sample", run, "--prompt", "to be", "--tokens", "20", "--seed", "4", "--threads", "1"]
        let first = try runWindtunnel(sample), second = try runWindtunnel(sample)
        #expect(first.status == 0 && first.stdout.hasPrefix("to be") && first.stdout.count >= 25, "\(first.stderr)")
        #expect(first.stdout == second.stdout)

        func refused(_ arguments: [String], status: Int32 = 1, _ says: String) throws {
            let r = try runWindtunnel(arguments)
            #expect(r.status == status && r.stderr.contains(says), "\(arguments): \(r.status) \(r.stderr)")
        }
        try refused(["sample", run, "--prompt", "Zebra"], "character U+005A 'Z'")
        try refused(["sample", run, "--prompt", ""], "encodes to no tokens")
        try refused(["sample", run, "--tokens", "0"], status: 2, "--tokens must be ≥ 1")
        let lone = dir.appendingPathComponent("lone")
        try FileManager.default.createDirectory(at: lone, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: run + "/checkpoint.safetensors", toPath: lone.path + "/c.safetensors")
        try refused(["sample", lone.path + "/c.safetensors"], "no tokenizer")

        let eval = try runWindtunnel(["eval", run, "--data", data, "--batches", "2", "--json", "--threads", "1"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        #expect(json["windows"] as? Int == 8 && json["bytes_per_token"] as? Double == 1)
        #expect((json["loss_by_position"] as? [Double])?.count == 16)
        try refused(["eval", run, "--data", data, "--batches", "1000"], "holds")

        let out = dir.appendingPathComponent("hf").path
        let export = try runWindtunnel(["export", run, "--format", "hf", "--out", out])
        #expect(export.status == 0 && export.stdout.contains("GPT2LMHeadModel"), "\(export.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/model.safetensors"))
        try refused(["export", run, "--format", "hf", "--out", out], "already exists")
    }
}
