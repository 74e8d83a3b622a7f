import Foundation

/// The process's one clock: monotonic wall-clock seconds, for training-step timing, throughput
/// windows and run wall time as well as the kernel benchmarks (never jumps with NTP or DST).
@inline(__always)
public func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
