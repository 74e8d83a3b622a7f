import CCPUProbe
import Foundation

/// The machine's Float32 multiply-add ceiling, measured rather than looked up: independent FMA
/// chains at the widest vector width the CPU has (AVX-512, else AVX2+FMA, else SSE), on every
/// thread of the budget at once. Model FLOP utilisation (MFU) is model FLOPs per second divided
/// by this number, as nanoGPT reports against a GPU's datasheet peak; on a shared VM a measured
/// figure is the honest denominator (turbo, the host and AVX-512 clocks all move it).
public enum FMAPeak {
    public enum ISA: String, Codable, Sendable {
        case avx512 = "avx512", avx2 = "avx2-fma", sse = "sse"

        var probe: Int32 {
            switch self {
            case .avx512: Int32(WT_FMA_AVX512.rawValue)
            case .avx2: Int32(WT_FMA_AVX2.rawValue)
            case .sse: Int32(WT_FMA_SCALAR.rawValue)
            }
        }
    }

    /// The widest probe the CPU's flags allow (only x86 has vector probes).
    public static func isa(cpuFlags: Set<String>) -> ISA {
        #if arch(x86_64)
        if cpuFlags.contains("avx512f") { return .avx512 }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return .avx2 }
        #endif
        return .sse
    }

    public struct Measurement: Codable, Sendable, Equatable {
        public let isa: ISA
        public let threads: Int
        /// The best single thread's rate while all `threads` ran at once.
        public let per_thread_gflops: Double
        /// The sum over the threads: the denominator of MFU at this thread budget.
        public let total_gflops: Double
        public let seconds: Double
    }

    /// Runs the probe on `threads` threads at once for about `seconds` (≥ 0.05) and keeps each
    /// thread's best rate over ~2 ms slices: noise only ever lowers a peak.
    public static func measure(threads: Int, seconds: Double = 0.3) -> Measurement {
        let isa = isa(cpuFlags: BLASKernels.cpuFlags())
        let threads = max(1, threads)
        // Calibrate the slice length on this thread: ~2 ms, short enough that a busy machine still
        // leaves some slices unpreempted.
        var sink: Float = 0
        let calibration = 200_000
        let t0 = monotonicSeconds()
        _ = wt_fma_probe(isa.probe, calibration, &sink)
        let once = max(monotonicSeconds() - t0, 1e-6)
        let iterations = max(1_000, Int(Double(calibration) * 0.002 / once))
        let budget = max(seconds, 0.05)
        let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: threads)
        buffer.initialize(repeating: 0)
        defer { buffer.deallocate() }
        let best = UncheckedSendable(buffer)  // each thread writes its own slot
        let start = monotonicSeconds()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var local: Float = 0, top = 0.0  // the C probe writes `local`, so its loop stays
            repeat {
                let s = monotonicSeconds()
                let flops = wt_fma_probe(isa.probe, iterations, &local)
                top = max(top, flops / max(monotonicSeconds() - s, 1e-9))
            } while monotonicSeconds() - start < budget
            best.value[t] = top
        }
        let rates = Array(buffer)
        return Measurement(isa: isa, threads: threads, per_thread_gflops: round3(rates.max()! / 1e9),
                           total_gflops: round3(rates.reduce(0, +) / 1e9),
                           seconds: round3(monotonicSeconds() - start))
    }

    nonisolated(unsafe) private static var cache: [Int: Measurement] = [:]
    private static let cacheLock = NSLock()

    /// `measure(threads:)` once per process and thread count (training runs and benches ask for
    /// the same figure many times; 0.2 s each).
    public static func cached(threads: Int) -> Measurement {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if let m = cache[threads] { return m }
        let m = measure(threads: threads, seconds: 0.2)
        cache[threads] = m
        return m
    }
}
