import ArgumentParser
import Foundation
import RunSchema
import Tensor
import Trainer

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure kernels and training throughput (release builds only give meaningful numbers).",
        subcommands: [Gemm.self, Ops.self, Train.self, Sample.self]
    )

    struct Gemm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tensor.matmul vs a raw cblas_sgemm on the same buffers, measured alternately.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Comma-separated square sizes.") var sizes = "256,512,1024"
        @Flag(help: "One JSON object per line.") var json = false

        func run() throws {
            try runtime.apply()
            let sizes = try parseSizes(self.sizes)
            let results = KernelBenchmarks.gemm(sizes: sizes)
            if json { return try printJSONLines(results) }
            print("GEMM n×n×n, \(Threads.count) thread(s), \(BLAS.configuration)")
            print(pad("n", 6) + pad("Tensor GFLOP/s", 16) + pad("sgemm GFLOP/s", 16) + "ratio")
            for r in results {
                print(pad("\(r.n)", 6) + pad(fmt(r.tensor_gflops), 16) + pad(fmt(r.sgemm_gflops), 16) + fmt(r.ratio))
            }
        }
    }

    struct Ops: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forward and forward+backward of the kernels a GPT step spends its time in.")
        @OptionGroup var runtime: RuntimeOptions
        @Flag(help: "One JSON object per line.") var json = false

        func run() throws {
            try runtime.apply()
            let results = KernelBenchmarks.ops()
            if json { return try printJSONLines(results) }
            print("Kernels, \(Threads.count) thread(s)")
            print(pad("kernel", 18) + pad("shape", 40) + pad("fwd ms", 10) + pad("fwd+bwd ms", 12) + "throughput fwd / fwd+bwd")
            for r in results {
                print(pad(r.kernel, 18) + pad(r.shape, 40) + pad(fmt(r.forward_ms), 10) + pad(fmt(r.train_ms), 12)
                      + "\(fmt(r.forward_throughput)) / \(fmt(r.train_throughput)) \(r.unit)")
            }
        }
    }
}

func parseSizes(_ text: String) throws -> [Int] {
    let sizes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw CLIError("--sizes must be a comma-separated list of positive integers, got '\(text)'")
    }
    return sizes.map { $0! }
}

extension BenchCommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Training-step throughput of the PyTorch peer's configs (tiny, small, medium) and an MoE variant.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Comma-separated configs: \(TrainBenchmark.allShapes.map(\.name).joined(separator: ", ")).")
        var configs = TrainBenchmark.allShapes.map(\.name).joined(separator: ",")
        @Option(help: "Timed steps per config (after 3 warm-up steps).") var steps = 10
        @Flag(help: "One JSON object per line.") var json = false

        func run() throws {
            try runtime.apply()
            let names = configs.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            let known = Set(TrainBenchmark.allShapes.map(\.name))
            if let bad = names.first(where: { !known.contains($0) }) {
                throw CLIError("--configs: unknown config '\(bad)' (known: \(known.sorted().joined(separator: ", ")))")
            }
            guard steps > 0 else { throw CLIError("--steps must be positive, got \(steps)") }
            let results = TrainBenchmark.run(names: names, steps: steps)
            if json { return try printJSONLines(results) }
            print("Training steps (median of \(steps)), \(Threads.count) thread(s)")
            print(pad("config", 16) + pad("params", 10) + pad("ms/step", 10) + pad("tokens/s", 11) + pad("allocs/step", 13) + "MoE/dense")
            for r in results {
                print(pad(r.config, 16) + pad(formatCount(Double(r.params)), 10) + pad(fmt(r.ms_per_step), 10)
                      + pad(formatCount(r.tokens_per_s), 11) + pad(fmt(r.allocations_per_step), 13)
                      + (r.moe_dense_step_ratio.map { fmt($0) } ?? "-"))
            }
        }
    }
}

extension BenchCommand {
    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generation ms/token with the KV cache vs recomputing the prefix, at short and long positions.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Context length (positions).") var context = 1024
        @Option(help: "Model width.") var dModel = 256
        @Option(help: "Layers.") var nLayer = 4
        @Option(help: "Heads.") var nHead = 4
        @Option(help: "Vocabulary size.") var vocab = 256
        @Option(help: "Tokens timed at each end of the context.") var tokens = 16
        @Flag(help: "One JSON object per line.") var json = false

        func run() throws {
            try runtime.apply()
            let config = GPTConfig(vocabSize: vocab, contextLength: context, dModel: dModel, nLayer: nLayer, nHead: nHead)
            do { try config.validate() } catch { throw CLIError("\(error)") }
            guard tokens >= 1, 2 * tokens + 1 <= context else {
                throw CLIError("--tokens must be in 1...\((context - 1) / 2) for --context \(context), got \(tokens)")
            }
            let results = SampleBenchmark.run(config: config, tokens: tokens)
            if json { return try printJSONLines(results) }
            print("Generation, d_model \(dModel), \(nLayer) layers, context \(context), \(Threads.count) thread(s): ms/token")
            print(pad("positions", 14) + pad("KV cache", 11) + pad("recompute", 11) + "speedup")
            for r in results {
                print(pad(r.positions, 14) + pad(fmt(r.cached_ms_per_token), 11) + pad(fmt(r.recompute_ms_per_token), 11) + fmt(r.speedup) + "x")
            }
        }
    }
}
