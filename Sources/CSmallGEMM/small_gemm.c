#include "CSmallGEMM.h"
#include <libxsmm.h>
#include <stdlib.h>

// libxsmm is column-major. A row-major C (m × n) is the column-major Cᵀ (n × m), and
// Cᵀ = op(B)ᵀ·op(A)ᵀ: a column-major product of n × m × k with the operands swapped, each keeping
// its transpose flag (so row-major transB is libxsmm's TRANS_A and transA its TRANS_B).
// libxsmm caches the generated kernel per shape; a dispatch is a hash lookup.

// Per-thread scratch for a transposed B, grown on demand and kept (a training step repeats its
// shapes, so it stops growing after the first step).
static __thread float *scratch;
static __thread size_t scratch_count;

// B [n × k] (row-major, leading dimension ldb) → Bᵀ [k × n], in 32 × 32 tiles that stay in L1.
static void transpose_into(const float *b, int n, int k, int ldb, float *bt) {
    for (int i0 = 0; i0 < n; i0 += 32) {
        const int i1 = i0 + 32 < n ? i0 + 32 : n;
        for (int j0 = 0; j0 < k; j0 += 32) {
            const int j1 = j0 + 32 < k ? j0 + 32 : k;
            for (int i = i0; i < i1; i++)
                for (int j = j0; j < j1; j++) bt[(long)j * n + i] = b[(long)i * ldb + j];
        }
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
    if (arch >= LIBXSMM_X86_AVX) return 256;
    return 0;
}
