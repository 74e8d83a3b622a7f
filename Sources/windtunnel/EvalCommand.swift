import ArgumentParser
import Foundation
import Plot
import Trainer

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Mean loss and bits per byte of a trained model on a split of a token directory.",
        discussion: """
            Scores non-overlapping windows from the start of the split: window i has inputs \
            tokens[i·T ..< i·T+T] and targets tokens[i·T+1 ..< i·T+T+1] (T = context_length), the \
            first batches × batch_size of them (all the split's windows without --batches), where \
            batch_size is the run's train.batch_size. The loss is the mean of the windows' mean \
            losses (nats/token), as the final eval of a run reports it. Bits per byte divide by the \
            split's UTF-8 bytes per token, decoded with the data's tokenizer (meta.json). Also the \
            loss by position in the context (table; --svg for a chart).
            """
    )

    @Argument(help: ArgumentHelp("Run directory or checkpoint file.", valueName: "run-dir|checkpoint")) var model: String
    @Option(help: "Token directory (train.bin/val.bin or llm.c shards).") var data: String
    @Option(help: "val or train.") var split = "val"
    @Option(help: "Batches of batch_size windows to score (default: every window of the split).") var batches: Int?
    @Option(help: "Windows per batch (default: the run's train.batch_size).") var batchSize: Int?
    @Option(help: "Write the loss-by-position chart to this SVG file.") var svg: String?
    @Flag(help: "One JSON object instead of the table.") var json = false
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if let batches, batches < 1 { throw ValidationError("--batches must be ≥ 1, got \(batches)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1, got \(batchSize)") }
        if split != "val" && split != "train" { throw ValidationError("--split must be val or train, got '\(split)'") }
    }

    func run() throws {
        try runtime.apply()
        let trained = try modelErrors { try TrainedModel(path: model) }
        let r = try modelErrors {
            try trained.evaluate(dataDirectory: URL(fileURLWithPath: data), split: split, batches: batches, batchSize: batchSize)
        }
        if let svg {
            let points = r.lossByPosition.enumerated().map { Point(Double($0.offset), $0.element) }
            let chart = Chart(title: "Loss by position in the context (\(r.windows) windows of \(r.split))",
                              x: Axis("Position in the context"), y: Axis("Loss (nats/token)"),
                              series: [.line("loss", points, inLegend: false)])
            _ = try modelErrors { try chart.write(to: URL(fileURLWithPath: svg)) }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(r), as: UTF8.self))
            return
        }
        print("\(r.checkpoint)\(r.step.map { " (step \($0))" } ?? "") on \(r.data) \(r.split): \(r.windows) of \(r.windowsInSplit) windows × \(r.context) tokens, batch \(r.batchSize)")
        print("loss \(String(format: "%.4f", r.loss))" + (r.lossSE.map { String(format: " ± %.4f", $0) } ?? "") + " nats/token")
        if let bpb = r.bitsPerByte, let bpt = r.bytesPerToken {
            print("bits per byte \(String(format: "%.4f", bpb)) (\(String(format: "%.4f", bpt)) bytes/token)")
        } else if let why = r.bitsPerByteUnavailable {
            print("bits per byte: n/a (\(why))")
        }
        print("loss by position:")
        print(pad("positions", 14) + "loss")
        for range in positionBuckets(r.context) {
            let mean = r.lossByPosition[range].reduce(0, +) / Double(range.count)
            let label = range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound - 1)"
            print(pad(label, 14) + String(format: "%.4f", mean))
        }
        if let svg { print("wrote \(svg)") }
    }
}

/// Position ranges for the table: 0, 1, 2-3, 4-7, … (doubling), the last one ending at T.
func positionBuckets(_ t: Int) -> [Range<Int>] {
    var out: [Range<Int>] = [], start = 0, width = 1
    while start < t {
        out.append(start..<Swift.min(t, start + width))
        start += width
        if start >= 2 { width = start }
    }
    return out
}
