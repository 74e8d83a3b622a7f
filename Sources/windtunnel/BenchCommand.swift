import ArgumentParser
import Foundation
import RunSchema
import Tensor
import Trainer

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure kernels and training throughput (release builds only give meaningful numbers).",
        subcommands: [Peak.self, Gemm.self, Ops.self, Train.self, Sample.self]
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
    struct Peak: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The measured Float32 FMA peak: per thread and for the thread budget (the denominator of MFU).")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Seconds to measure (each thread keeps its best ~2 ms slice).") var seconds = 0.5
        @Flag(help: "One JSON object.") var json = false

        func run() throws {
            try runtime.apply()
            guard seconds > 0, seconds <= 60 else { throw CLIError("--seconds must be in (0, 60], got \(seconds)") }
            let one = FMAPeak.measure(threads: 1, seconds: seconds)
            let all = Threads.count == 1 ? one : FMAPeak.measure(threads: Threads.count, seconds: seconds)
            if json { return try printJSONLines([all]) }
            print("FMA peak (\(one.isa.rawValue) chains, Float32): \(fmt(one.per_thread_gflops)) GFLOP/s on one thread; "
                  + "\(fmt(all.total_gflops)) GFLOP/s on \(all.threads) thread(s) at once (best thread \(fmt(all.per_thread_gflops)))")
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Training-step throughput and MFU: the PyTorch peers' configs, the sizes sweeps train, or any train config.",
            discussion: """
            MFU = model FLOPs per second (every matmul, attention and the unembedding: the `full` \
            accounting) / the FMA peak measured at the same thread budget (`bench peak`). \
            --sweep-sizes matches ../shared/peers/torch_small_bench.py (compare at --threads 1); \
            the default set matches torch_gpt_bench.py.
            """)
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Comma-separated built-in configs: \(TrainBenchmark.allShapes.map(\.name).joined(separator: ", ")).")
        var configs: String?
        @Flag(help: "The sizes sweeps train: \(TrainBenchmark.sweepShapes.map(\.name).joined(separator: ", ")).")
        var sweepSizes = false
        @Option(help: "A train config file to time (its model, batch_size and optimizer; repeatable).")
        var config: [String] = []
        @Option(name: .customLong("set"), help: "Override a field of every --config, e.g. --set model.d_model=256 (repeatable).")
        var overrides: [String] = []
        @Option(help: "Timed steps per config (after 3 warm-up steps).") var steps = 10
        @Flag(help: "One JSON object per line.") var json = false

        func run() throws {
            try runtime.apply()
            guard steps > 0 else { throw CLIError("--steps must be positive, got \(steps)") }
            if !overrides.isEmpty && config.isEmpty { throw CLIError("--set applies to --config files; give one") }
            var shapes = [TrainBenchmark.Shape]()
            if let configs {
                for name in configs.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
                    guard let shape = TrainBenchmark.shape(named: name) else {
                        throw CLIError("--configs: unknown config '\(name)' (known: \(TrainBenchmark.allShapes.map(\.name).joined(separator: ", ")))")
                    }
                    shapes.append(shape)
                }
            }
            if sweepSizes { shapes += TrainBenchmark.sweepShapes }
            for path in config {
                let url = URL(fileURLWithPath: path)
                let run: TrainConfig
                do { run = try TrainConfig.load(url, overrides: overrides) } catch let e as ConfigError { throw CLIError(e.description) }
                shapes.append(TrainBenchmark.Shape(name: url.deletingPathExtension().lastPathComponent, run: run))
            }
            if configs == nil && !sweepSizes && config.isEmpty { shapes = TrainBenchmark.denseShapes + TrainBenchmark.moeShapes }
            let results = TrainBenchmark.run(shapes, steps: steps)
            if json { return try printJSONLines(results) }
            let peak = results.first?.peak_gflops ?? 0
            print("Training steps (median of \(steps)), \(Threads.count) thread(s); FMA peak \(fmt(peak)) GFLOP/s (bench peak)")
            print(pad("config", 16) + pad("params", 10) + pad("ms/step", 10) + pad("tokens/s", 11) + pad("GFLOP/s", 9)
                  + pad("MFU", 7) + pad("allocs/step", 13) + "MoE/dense")
            for r in results {
                print(pad(r.config, 16) + pad(formatCount(Double(r.params)), 10) + pad(fmt(r.ms_per_step), 10)
                      + pad(formatCount(r.tokens_per_s), 11) + pad(fmt(r.model_gflops), 9)
                      + pad(String(format: "%.1f%%", r.mfu * 100), 7) + pad(fmt(r.allocations_per_step), 13)
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
