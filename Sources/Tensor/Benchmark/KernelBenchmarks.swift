import COpenBLAS
import Foundation

/// Kernel benchmarks behind `windtunnel bench gemm|ops` (and reused by the package-benchmark
/// suite): throughput of `Tensor` ops in release builds, at the process thread budget.
public enum KernelBenchmarks {
    public struct GemmResult: Codable, Sendable {
        public let n: Int
        public let threads: Int
        public let tensor_gflops: Double
        public let sgemm_gflops: Double
        /// tensor / sgemm throughput, measured alternately in the same run.
        public let ratio: Double
    }

    /// n×n×n products: `Tensor.matmul` (including output allocation from the pool) against a raw
    /// `cblas_sgemm` into a preallocated buffer, on the same operands, rounds interleaved. The raw
    /// call gets OpenBLAS's own threads at the same budget (the baseline a user would write).
    public static func gemm(sizes: [Int] = [256, 512, 1024], rounds: Int = 15) -> [GemmResult] {
        sizes.map { n in
            var rng = RandomState(seed: UInt64(n))
            let a = Tensor.randn([n, n], rng: &rng), b = Tensor.randn([n, n], rng: &rng)
            let c = Tensor(uninitialized: [n, n])
            let n32 = Int32(n)
            let tensorCall = { _ = Tensor.noGrad { a.matmul(b) } }
            let rawCall = {
                Threads.withOpenBLASThreads {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n32, n32, n32,
                                1, a.data, n32, b.data, n32, 0, c.data, n32)
                }
            }
            let t0 = monotonicSeconds(); rawCall(); let once = monotonicSeconds() - t0
            // After each batch both candidates pause alike, so neither starts while the other's
            // OpenBLAS workers still spin (~0.1 s) and both start from the same idle state.
            let settle = Threads.blasThreading == .own ? 0.25 : 0
            let times = medianSecondsSideBySide(rounds: rounds, repeats: repeatsFor(seconds: once), settle: [settle, settle],
                                                [tensorCall, rawCall])
            let flops = 2 * Double(n) * Double(n) * Double(n)
            let tg = flops / times[0] / 1e9, sg = flops / times[1] / 1e9
            return GemmResult(n: n, threads: Threads.count, tensor_gflops: round3(tg), sgemm_gflops: round3(sg), ratio: round3(tg / sg))
        }
    }

    public struct OpResult: Codable, Sendable {
        public let kernel: String
        public let shape: String
        public let threads: Int
        public let forward_ms: Double
        /// Forward + backward.
        public let train_ms: Double
        /// "GB/s" for memory-bound kernels (bytes read + written once), "GFLOP/s" for products.
        public let unit: String
        public let forward_throughput: Double
        public let train_throughput: Double
    }

    /// A kernel at a benchmark shape: `run` builds the op's output (and graph) from fixed inputs.
    public struct OpCase: @unchecked Sendable {
        public let kernel: String
        public let shape: String
        /// "GB/s" for memory-bound kernels (bytes read + written once), "GFLOP/s" for products.
        public let unit: String
        /// Bytes or FLOPs of one forward call.
        public let forwardWork: Double
        /// Forward + backward work relative to forward.
        public let trainFactor: Double
        public let run: () -> Tensor
        let inputs: [Tensor]

        /// Forward and backward once (gradients of the inputs are dropped afterwards).
        public func train() {
            let y = run()
            y.backward(gradient: Tensor.ones(y.shape))
            for t in inputs { t.grad = nil }
        }
    }

    /// The kernels a GPT step spends its time in, at the shapes of the "small" benchmark model
    /// (B·T = 4096 tokens, d 256, 8 heads, T 256, vocab 256).
    public static func opCases() -> [OpCase] {
        var rng = RandomState(seed: 1)
        func param(_ shape: [Int], std: Float = 0.02) -> Tensor {
            let t = Tensor.randn(shape, std: std, rng: &rng); t.requiresGrad = true; return t
        }
        let (rows, d, heads, t, vocab) = (4096, 256, 8, 256, 256)
        let x = param([rows, d], std: 1), w = param([d]), b = param([d])
        let wide = param([rows, 4 * d], std: 1)
        let fc = param([4 * d, d]), fcBias = param([4 * d])
        let qkv = param([rows / t, t, 3 * d], std: 1)
        let logits = param([rows, vocab], std: 1)
        let targets = Indices(shape: [rows], values: (0..<rows).map { Int32($0 * 31 % vocab) })
        let ids = Indices(shape: [rows], values: (0..<rows).map { Int32($0 * 17 % vocab) })
        let table = param([vocab, d])
        let all = [x, w, b, wide, fc, fcBias, qkv, logits, table]
        let elems = Double(rows * d), wideElems = Double(rows * 4 * d)
        let causalFlops = 2.0 * 2 * Double(rows / t * heads) * Double(t * t) * Double(d / heads) / 2
        func op(_ kernel: String, _ shape: String, _ unit: String, _ work: Double, _ factor: Double, _ run: @escaping () -> Tensor) -> OpCase {
            OpCase(kernel: kernel, shape: shape, unit: unit, forwardWork: work, trainFactor: factor, run: run, inputs: all)
        }
        return [
            op("linear", "[\(rows), \(d)]·[\(4 * d), \(d)]ᵀ + b", "GFLOP/s", 2 * Double(rows * d * 4 * d), 3) { x.linear(weight: fc, bias: fcBias) },
            op("layer_norm", "[\(rows), \(d)]", "GB/s", 2 * 4 * elems, 1.5) { x.layerNorm(weight: w, bias: b) },
            op("gelu_tanh", "[\(rows), \(4 * d)]", "GB/s", 2 * 4 * wideElems, 1.5) { wide.gelu() },
            op("add_bias", "[\(rows), \(d)] + [\(d)]", "GB/s", 2 * 4 * elems, 1.5) { x + b },
            op("softmax", "[\(rows), \(4 * d)]", "GB/s", 2 * 4 * wideElems, 1.5) { wide.softmax() },
            op("causal_attention", "qkv [\(rows / t), \(t), \(3 * d)], \(heads) heads", "GFLOP/s", causalFlops, 3) {
                causalSelfAttention(qkv: qkv, heads: heads)
            },
            op("cross_entropy", "[\(rows), \(vocab)]", "GB/s", 4 * Double(rows * vocab), 3) { crossEntropy(logits: logits, targets: targets) },
            op("embedding", "[\(rows)] from [\(vocab), \(d)]", "GB/s", 2 * 4 * elems, 1.5) { embedding(table, ids) },
        ]
    }

    /// Forward and forward+backward of every `opCases()` kernel, rounds interleaved.
    public static func ops(rounds: Int = 9) -> [OpResult] {
        opCases().map { c in
            let forward = { _ = Tensor.noGrad { c.run() } }
            let t0 = monotonicSeconds(); c.train(); let once = monotonicSeconds() - t0
            let times = medianSecondsSideBySide(rounds: rounds, repeats: repeatsFor(seconds: once, target: 0.03), [forward, c.train])
            return OpResult(kernel: c.kernel, shape: c.shape, threads: Threads.count,
                            forward_ms: round3(times[0] * 1e3), train_ms: round3(times[1] * 1e3), unit: c.unit,
                            forward_throughput: round3(c.forwardWork / times[0] / 1e9),
                            train_throughput: round3(c.forwardWork * c.trainFactor / times[1] / 1e9))
        }
    }
}

func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
