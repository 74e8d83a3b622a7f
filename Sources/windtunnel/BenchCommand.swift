import ArgumentParser
import Foundation
import Tensor

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure kernels and training throughput (release builds only give meaningful numbers).",
        subcommands: [Gemm.self, Ops.self]
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

