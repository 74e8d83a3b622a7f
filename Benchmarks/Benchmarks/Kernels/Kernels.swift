// WindTunnel kernel and training-step benchmarks (ordo-one/package-benchmark).
// Throughput is recorded as custom metrics (MFLOP/s, MB/s, tokens/s): larger is better.
import Benchmark
import NN
import Tensor
import Trainer

let benchmarks: @Sendable () -> Void = {
    Threads.configure(nil)  // WINDTUNNEL_THREADS or all cores
    let flops = BenchmarkMetric.custom("MFLOP/s", polarity: .prefersLarger, useScalingFactor: false)
    let bandwidth = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
    let tokens = BenchmarkMetric.custom("tokens/s", polarity: .prefersLarger, useScalingFactor: false)
    func config(_ metric: BenchmarkMetric, seconds: Int = 2) -> Benchmark.Configuration {
        .init(metrics: [.wallClock, metric, .mallocCountTotal], warmupIterations: 2,
              maxDuration: .seconds(seconds), maxIterations: 500)
    }

    // Square GEMMs through Tensor.matmul (one cblas_sgemm each).
    for n in [64, 128, 256, 512, 1024, 2048] {
        var rng = RandomState(seed: UInt64(n))
        let a = Tensor.randn([n, n], rng: &rng), b = Tensor.randn([n, n], rng: &rng)
        Benchmark("gemm \(n)x\(n)x\(n)", configuration: config(flops)) { benchmark in
            let t0 = monotonicSeconds()
            for _ in benchmark.scaledIterations { blackHole(Tensor.noGrad { a.matmul(b) }) }
            benchmark.measurement(flops, Int(2 * Double(n * n * n) / (monotonicSeconds() - t0) / 1e6))
        }
    }

    // Transformer-shaped GEMMs: rows = B·T = 4096 tokens, as nn.Linear (x·Wᵀ).
    for (name, d, out) in [("qkv d256", 256, 768), ("mlp-up d256", 256, 1024), ("mlp-down d256", 1024, 256),
                           ("mlp-up d512", 512, 2048), ("lm-head v256 d512", 512, 256)] {
        var rng = RandomState(seed: 7)
        let x = Tensor.randn([4096, d], rng: &rng), w = Tensor.randn([out, d], rng: &rng)
        Benchmark("linear \(name) [4096,\(d)]x[\(out),\(d)]T", configuration: config(flops)) { benchmark in
            let t0 = monotonicSeconds()
            for _ in benchmark.scaledIterations { blackHole(Tensor.noGrad { x.linear(weight: w, bias: nil) }) }
            benchmark.measurement(flops, Int(2 * Double(4096 * d * out) / (monotonicSeconds() - t0) / 1e6))
        }
    }

    // The kernels of a GPT step (shared with `windtunnel bench ops`): forward+backward.
    for c in KernelBenchmarks.opCases() {
        let metric = c.unit == "GB/s" ? bandwidth : flops
        Benchmark("\(c.kernel) \(c.shape) fwd+bwd", configuration: config(metric)) { benchmark in
            let t0 = monotonicSeconds()
            for _ in benchmark.scaledIterations { c.train() }
            benchmark.measurement(metric, Int(c.forwardWork * c.trainFactor / (monotonicSeconds() - t0) / 1e6))
        }
    }

    // Whole training steps: the PyTorch peers' configs, the MoE variant and the sizes sweeps train.
    for shape in TrainBenchmark.allShapes {
        let bench = TrainBenchmark.Bench(shape)
        Benchmark("train step \(shape.name)", configuration: config(tokens, seconds: 10)) { benchmark in
            let t0 = monotonicSeconds()
            for _ in benchmark.scaledIterations { bench.step() }
            benchmark.measurement(tokens, Int(Double(shape.batch * shape.config.contextLength) / (monotonicSeconds() - t0)))
        }
    }
}
