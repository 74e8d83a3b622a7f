// CPU probes. FMA throughput for `windtunnel bench peak` and MFU: the machine's ceiling for
// Float32 multiply-adds, against which model FLOP/s are reported (not a kernel anything computes
// with). And the check that kernels compiled for AVX2+FMA can run here.
#ifndef CCPUPROBE_H
#define CCPUPROBE_H

/// Vector widths a probe can use; the caller picks one the CPU supports (Swift reads the flags).
enum wt_fma_isa { WT_FMA_SCALAR = 0, WT_FMA_AVX2 = 1, WT_FMA_AVX512 = 2 };

/// Runs `iterations` rounds of independent fused multiply-adds on 12 vector accumulators and
/// returns the Float32 FLOPs done (2 per lane per FMA). `sink` receives a value that depends on
/// every accumulator, so the compiler cannot drop the work.
double wt_fma_probe(int isa, long iterations, float *sink);

/// 1 when the CPU and the OS support AVX2 and FMA (cpuid and the saved YMM state), else 0. Safe
/// to call on any x86-64 CPU; 0 elsewhere.
int wt_cpu_supports_avx2_fma(void);

#endif
