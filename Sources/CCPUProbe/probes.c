// Why 12 chains: an FMA has a latency of 4 cycles and recent x86 cores issue two per cycle, so at
// least 8 independent accumulators are needed to keep both pipes busy; fewer under-report.
#include "CCPUProbe.h"

#define CHAINS 12

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static double probe_avx512(long iterations, float *sink) {
    __m512 acc[CHAINS];
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    }
    __m512 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, acc[i]);
    *sink = _mm512_reduce_add_ps(s);
    return 2.0 * 16 * CHAINS * (double)iterations;
}

__attribute__((target("avx2,fma")))
static double probe_avx2(long iterations, float *sink) {
    __m256 acc[CHAINS];
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_set1_ps((float)i);
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    }
    __m256 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm256_add_ps(s, acc[i]);
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    float total = 0;
    for (int i = 0; i < 8; i++) total += lanes[i];
    *sink = total;
    return 2.0 * 8 * CHAINS * (double)iterations;
}

// Without FMA hardware: separate multiply and add on 128-bit SSE, counted as 2 FLOPs per lane.
static double probe_scalar(long iterations, float *sink) {
    __m128 acc[CHAINS];
    const __m128 a = _mm_set1_ps(0.999999f), b = _mm_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm_set1_ps((float)i);
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm_add_ps(_mm_mul_ps(acc[i], a), b);
    }
    __m128 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm_add_ps(s, acc[i]);
    float lanes[4];
    _mm_storeu_ps(lanes, s);
    *sink = lanes[0] + lanes[1] + lanes[2] + lanes[3];
    return 2.0 * 4 * CHAINS * (double)iterations;
}

#else
// Other architectures: plain float chains the compiler may vectorise; a lower bound on the peak.
static double probe_scalar(long iterations, float *sink) {
    float acc[CHAINS];
    for (int i = 0; i < CHAINS; i++) acc[i] = (float)i;
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = acc[i] * 0.999999f + 1e-7f;
    }
    float total = 0;
    for (int i = 0; i < CHAINS; i++) total += acc[i];
    *sink = total;
    return 2.0 * CHAINS * (double)iterations;
}
#define probe_avx512 probe_scalar
#define probe_avx2 probe_scalar
#endif

#if defined(__x86_64__)
#include <cpuid.h>

int wt_cpu_supports_avx2_fma(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!fma || !osxsave || !avx) return 0;
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;  // the OS saves XMM and YMM state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 5) & 1;  // AVX2
}
#else
int wt_cpu_supports_avx2_fma(void) { return 0; }
#endif

double wt_fma_probe(int isa, long iterations, float *sink) {
    switch (isa) {
    case WT_FMA_AVX512: return probe_avx512(iterations, sink);
    case WT_FMA_AVX2: return probe_avx2(iterations, sink);
    default: return probe_scalar(iterations, sink);
    }
}
