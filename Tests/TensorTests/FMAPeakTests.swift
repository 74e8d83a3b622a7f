import Tensor
import Testing

/// The measured FMA peak behind MFU: which probe the CPU flags choose, and that a measurement
/// reports what it ran (not how fast: speed belongs to `windtunnel bench`).
@Suite struct FMAPeakTests {
    @Test func theWidestVectorTheFlagsAllow() {
        #if arch(x86_64)
        #expect(FMAPeak.isa(cpuFlags: ["avx2", "fma", "avx512f"]) == .avx512)
        #expect(FMAPeak.isa(cpuFlags: ["avx", "avx2", "fma"]) == .avx2)
        #expect(FMAPeak.isa(cpuFlags: ["avx", "avx2"]) == .sse)  // AVX2 without FMA multiplies and adds apart
        #endif
        #expect(FMAPeak.isa(cpuFlags: []) == .sse)
    }

    @Test func aMeasurementSumsItsThreads() {
        let m = FMAPeak.measure(threads: 2, seconds: 0.05)
        #expect(m.threads == 2)
        #expect(m.per_thread_gflops > 0 && m.per_thread_gflops.isFinite)
        #expect(m.total_gflops >= m.per_thread_gflops && m.total_gflops <= 2 * m.per_thread_gflops + 1e-3)
        #expect(m.seconds >= 0.05)
        #expect(FMAPeak.cached(threads: 1) == FMAPeak.cached(threads: 1))
    }
}
