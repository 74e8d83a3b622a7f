// FMA throughput probes for `windtunnel bench peak` and MFU: the machine's ceiling for Float32
// multiply-adds, against which model FLOP/s are reported. Not a kernel anything computes with.
#ifndef CFMAPEAK_H
#define CFMAPEAK_H

/// Vector widths a probe can use; the caller picks one the CPU supports (Swift reads the flags).
enum wt_fma_isa { WT_FMA_SCALAR = 0, WT_FMA_AVX2 = 1, WT_FMA_AVX512 = 2 };

/// Runs `iterations` rounds of independent fused multiply-adds on 12 vector accumulators and
/// returns the Float32 FLOPs done (2 per lane per FMA). `sink` receives a value that depends on
/// every accumulator, so the compiler cannot drop the work.
double wt_fma_probe(int isa, long iterations, float *sink);

#endif
