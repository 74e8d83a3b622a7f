import Data
import Foundation
import Testing

/// A fresh temporary directory; remove it with `defer { try? FileManager.default.removeItem(at:) }`.
func temporaryDirectory(_ label: String = "sweep") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A small learnable char corpus (words following a mostly fixed successor rule), prepared as a
/// token directory.
func makeSyntheticDataset(in root: URL, characters: Int = 30_000) throws -> URL {
    let words = ["the", "wind", "tunnel", "model", "scales", "loss", "falls", "tokens", "flow", "over",
                 "wings", "small", "runs", "predict", "big", "ones"]
    var state: UInt64 = 42
    func next(_ n: UInt64) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % n)
    }
    var text = "", w = 0
    while text.utf8.count < characters {
        text += words[w] + (next(10) == 0 ? ".\n" : " ")
        w = next(5) == 0 ? next(16) : (w * 7 + 3) % 16
    }
    let input = root.appendingPathComponent("corpus.txt")
    try text.write(to: input, atomically: true, encoding: .utf8)
    let out = root.appendingPathComponent("data")
    _ = try DatasetPreparer.prepare(PrepareOptions(input: input, tokenizer: .char, output: out))
    return out
}

/// A tiny train config (as a JSON object literal) over `dataDir`.
func tinyBase(dataDir: URL, steps: Int = 30, extraTrain: String = "") -> String {
    """
    {
      "seed": 3,
      "data": { "dir": "\(dataDir.path)" },
      "model": { "context_length": 16, "d_model": 16, "n_layer": 1, "n_head": 2 },
      "train": { "batch_size": 4, "steps": \(steps), "eval_interval": 10, "eval_batches": 2,
                 "log_interval": 5, "checkpoint_interval": 10\(extraTrain) },
      "optim": { "lr": 3e-3 },
      "schedule": { "kind": "cosine", "warmup_steps": 2 }
    }
    """
}

/// A base for planner tests that needs no data (vocab_size given).
let plannerBase = """
    {
      "data": { "dir": "/nonexistent" },
      "model": { "vocab_size": 64, "context_length": 32, "d_model": 32, "n_layer": 2, "n_head": 2 },
      "train": { "batch_size": 8, "steps": 100, "eval_interval": 50 },
      "optim": { "lr": 1e-3 },
      "schedule": { "kind": "cosine", "warmup_steps": 5 }
    }
    """

func writeSpec(_ json: String, in dir: URL, name: String = "spec.json") throws -> URL {
    let url = dir.appendingPathComponent(name)
    try json.write(to: url, atomically: true, encoding: .utf8)
    return url
}

/// The `windtunnel` executable built next to the test bundle (`swift build --build-tests` builds it).
func windtunnelExecutable() throws -> URL {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [here.appendingPathComponent("windtunnel")]
        + ["release", "debug"].map { URL(fileURLWithPath: ".build/\($0)/windtunnel") }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw TestFailure("windtunnel executable not found next to the tests (run `swift build --build-tests` first)")
    }
    return found.standardizedFileURL.absoluteURL
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Starts `windtunnel` with output going to files (so the caller can poll while it runs).
final class Windtunnel {
    let process = Process()
    let out: URL, err: URL

    init(_ arguments: [String], in directory: URL, logName: String = UUID().uuidString) throws {
        out = directory.appendingPathComponent("\(logName).out")
        err = directory.appendingPathComponent("\(logName).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.executableURL = try windtunnelExecutable()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
    }

    func wait(timeout: Double = 120) throws -> CommandResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw TestFailure("windtunnel \(process.arguments ?? []) did not finish in \(timeout) s")
            }
            usleep(20_000)
        }
        return CommandResult(status: process.terminationStatus,
                             stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

@discardableResult
func runWindtunnel(_ arguments: [String], in directory: URL, timeout: Double = 120) throws -> CommandResult {
    try Windtunnel(arguments, in: directory).wait(timeout: timeout)
}

/// metrics.jsonl steps, in file order.
func loggedSteps(_ url: URL) throws -> [Int] {
    try Data(contentsOf: url).split(separator: 0x0A).map {
        (try JSONSerialization.jsonObject(with: Data($0)) as! [String: Any])["step"] as! Int
    }
}

/// Polls `condition` every 20 ms up to `timeout` seconds.
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
