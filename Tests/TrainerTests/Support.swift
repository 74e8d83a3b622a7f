import Data
import Foundation
import CommandTestSupport
import RunSchema
import Testing
import Trainer

/// A learnable synthetic corpus: words from a 16-word dictionary following a mostly fixed
/// successor rule (80%), char-tokenised. A model that learns the words and the rule gets far below
/// the unigram entropy of the characters.
func makeSyntheticDataset(in root: URL, characters: Int = 60_000) throws -> (dir: URL, unigramEntropy: Double) {
    let words = ["the", "wind", "tunnel", "model", "scales", "loss", "falls", "tokens", "flow", "over",
                 "wings", "small", "runs", "predict", "big", "ones"]
    var rng = SplitMix64(seed: 42)
    var text = "", w = 0
    while text.utf8.count < characters {
        text += words[w] + (rng.next(below: 10) == 0 ? ".\n" : " ")
        w = rng.next(below: 5) == 0 ? Int(rng.next(below: 16)) : (w * 7 + 3) % 16
    }
    let input = root.appendingPathComponent("corpus.txt")
    try text.write(to: input, atomically: true, encoding: .utf8)
    let out = root.appendingPathComponent("data")
    _ = try DatasetPreparer.prepare(PrepareOptions(input: input, tokenizer: .char, output: out))
    var counts: [Character: Int] = [:]
    for c in text { counts[c, default: 0] += 1 }
    let n = Double(text.count)
    let entropy = -counts.values.map { Double($0) / n * Foundation.log(Double($0) / n) }.reduce(0, +)
    return (out, entropy)
}

/// A small but real config over `dataDir` (nats-level numbers stay meaningful at this size).
func tinyTrainConfigJSON(dataDir: URL, steps: Int = 40, extra: String = "") -> String {
    """
    {
      "seed": 7,
      "data": { "dir": "\(dataDir.path)" },
      "model": { "context_length": 32, "d_model": 32, "n_layer": 2, "n_head": 4 },
      "train": { "batch_size": 8, "steps": \(steps), "eval_interval": 10, "eval_batches": 4,
                 "log_interval": 5, "checkpoint_interval": 10 },
      "optim": { "lr": 3e-3 },
      "schedule": { "kind": "cosine", "warmup_steps": 5 }\(extra)
    }
    """
}

func writeConfig(_ json: String, in dir: URL, name: String = "train.json") throws -> URL {
    let url = dir.appendingPathComponent(name)
    try json.write(to: url, atomically: true, encoding: .utf8)
    return url
}

/// metrics.jsonl as dictionaries.
func readMetrics(_ url: URL) throws -> [[String: Any]] {
    try Data(contentsOf: url).split(separator: 0x0A).map { try JSONSerialization.jsonObject(with: Data($0)) as! [String: Any] }
}
