#include "CSmallGEMM.h"
#include <immintrin.h>
#include <libxsmm.h>
#include <pthread.h>
#include <stdlib.h>

// libxsmm is column-major. A row-major C (m × n) is the column-major Cᵀ (n × m), and
// Cᵀ = op(B)ᵀ·op(A)ᵀ: a column-major product of n × m × k with the operands swapped, each keeping
// its transpose flag (so row-major transB is libxsmm's TRANS_A and transA its TRANS_B).
// libxsmm caches the generated kernel per shape; a dispatch is a hash lookup.

// Per-thread scratch for a transposed B, grown on demand and kept (a training step repeats its
// shapes, so it stops growing after the first step). The key frees it when its thread exits
// (Dispatch's threads come and go; the worker pool's and the main thread live as long as the process).
static __thread float *scratch;
static __thread size_t scratch_count;
static pthread_key_t scratch_key;
static pthread_once_t scratch_key_once = PTHREAD_ONCE_INIT;
static void make_scratch_key(void) { pthread_key_create(&scratch_key, free); }

// One 8 × 8 tile: rows b[0..7] (ldb apart) → columns of bt (ldt apart), with AVX shuffles (the
// function is only reached where libxsmm runs AVX2 or better code, see wt_small_gemm_vector_bits).
__attribute__((target("avx")))
static void transpose8x8(const float *b, long ldb, float *bt, long ldt) {
    __m256 r0 = _mm256_loadu_ps(b), r1 = _mm256_loadu_ps(b + ldb), r2 = _mm256_loadu_ps(b + 2 * ldb),
           r3 = _mm256_loadu_ps(b + 3 * ldb), r4 = _mm256_loadu_ps(b + 4 * ldb), r5 = _mm256_loadu_ps(b + 5 * ldb),
           r6 = _mm256_loadu_ps(b + 6 * ldb), r7 = _mm256_loadu_ps(b + 7 * ldb);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
           t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
           t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE),
           s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE),
           s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE),
           s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(bt, _mm256_permute2f128_ps(s0, s4, 0x20));
    _mm256_storeu_ps(bt + ldt, _mm256_permute2f128_ps(s1, s5, 0x20));
    _mm256_storeu_ps(bt + 2 * ldt, _mm256_permute2f128_ps(s2, s6, 0x20));
    _mm256_storeu_ps(bt + 3 * ldt, _mm256_permute2f128_ps(s3, s7, 0x20));
    _mm256_storeu_ps(bt + 4 * ldt, _mm256_permute2f128_ps(s0, s4, 0x31));
    _mm256_storeu_ps(bt + 5 * ldt, _mm256_permute2f128_ps(s1, s5, 0x31));
    _mm256_storeu_ps(bt + 6 * ldt, _mm256_permute2f128_ps(s2, s6, 0x31));
    _mm256_storeu_ps(bt + 7 * ldt, _mm256_permute2f128_ps(s3, s7, 0x31));
}

// B [n × k] (row-major, leading dimension ldb) → Bᵀ [k × n]: 8 × 8 tiles, then the ragged edges.
static void transpose_into(const float *b, int n, int k, int ldb, float *bt) {
    const int n8 = n & ~7, k8 = k & ~7;
    for (int i = 0; i < n8; i += 8)
        for (int j = 0; j < k8; j += 8) transpose8x8(b + (long)i * ldb + j, ldb, bt + (long)j * n + i, n);
    for (int i = 0; i < n; i++) {
        const int j0 = i < n8 ? k8 : 0;  // rows inside full tiles only miss their last columns
        for (int j = j0; j < k; j++) bt[(long)j * n + i] = b[(long)i * ldb + j];
    }
}

int wt_small_sgemm(int transA, int transB, int m, int n, int k,
                   const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc) {
    if (!(beta == 0.0f || beta == 1.0f)) return 0;
    const float alpha = 1.0f;
    const int flags = (transA ? LIBXSMM_GEMM_FLAG_TRANS_B : 0) | (beta == 0.0f ? LIBXSMM_GEMM_FLAG_BETA_0 : 0);
    const libxsmm_blasint xm = n, xn = m, xk = k, xlda = transB ? n : ldb, xldb = lda, xldc = ldc;
    const libxsmm_smmfunction kernel = libxsmm_smmdispatch(xm, xn, xk, &xlda, &xldb, &xldc, &alpha, &beta, &flags, NULL);
    if (!kernel) return 0;
    if (transB) {
        const size_t need = (size_t)n * (size_t)k;
        if (need > scratch_count) {
            float *grown = realloc(scratch, need * sizeof(float));
            if (!grown) return 0;
            scratch = grown;
            scratch_count = need;
            pthread_once(&scratch_key_once, make_scratch_key);
            pthread_setspecific(scratch_key, grown);
        }
        transpose_into(b, n, k, ldb, scratch);
        b = scratch;
    }
    kernel(b, a, c);
    return 1;
}

int wt_small_gemm_vector_bits(void) {
    libxsmm_init();  // idempotent; the target is read from cpuid (or LIBXSMM_TARGET) here
    const int arch = libxsmm_get_target_archid();
    if (arch >= LIBXSMM_X86_AVX512) return 512;
    if (arch >= LIBXSMM_X86_AVX2) return 256;
    return 0;
}
