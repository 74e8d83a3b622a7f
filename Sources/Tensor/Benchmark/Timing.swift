import Foundation

/// Side-by-side timing: each round runs every candidate once, in turn, so slow phases of a
/// shared, noisy machine hit all candidates alike. Each call of a candidate repeats its body
/// `repeats` times; `settle[i]` seconds of sleep follow candidate i's batch (OpenBLAS's worker
/// threads spin ~0.1 s after a threaded call and would otherwise steal the next candidate's core).
/// Returns the median seconds per body execution for each candidate.
public func medianSecondsSideBySide(rounds: Int, repeats: Int, settle: [Double] = [], _ candidates: [() -> Void]) -> [Double] {
    for c in candidates { c() }  // warm caches, the buffer pool and BLAS threads
    var samples = [[Double]](repeating: [], count: candidates.count)
    for _ in 0..<rounds {
        for (i, c) in candidates.enumerated() {
            let t0 = monotonicSeconds()
            for _ in 0..<repeats { c() }
            samples[i].append((monotonicSeconds() - t0) / Double(repeats))
            if i < settle.count, settle[i] > 0 { usleep(UInt32(settle[i] * 1e6)) }
        }
    }
    return samples.map { s in let sorted = s.sorted(); return sorted[sorted.count / 2] }
}

/// How many repetitions of something taking `seconds` fill roughly `target` seconds.
public func repeatsFor(seconds: Double, target: Double = 0.05) -> Int {
    max(1, min(10_000, Int(target / max(seconds, 1e-9))))
}
