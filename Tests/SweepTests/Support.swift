import CommandTestSupport
import Data
import Foundation
import RunSchema
import Testing

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

/// metrics.jsonl steps, in file order (a line still being written is skipped: `MetricsFile`).
func loggedSteps(_ url: URL) throws -> [Int] {
    try MetricsFile.read(url).records.map { $0.step! }
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
