#include "CSmallGEMM.h"
#include <libxsmm.h>

// libxsmm is column-major. A row-major C (m × n) is the column-major Cᵀ (n × m), and
// Cᵀ = op(B)ᵀ·op(A)ᵀ: a column-major product of n × m × k with the operands swapped, each keeping
// its transpose flag (so row-major transB is libxsmm's TRANS_A and transA its TRANS_B).
// libxsmm caches the generated kernel per shape; a dispatch is a hash lookup.
int wt_small_sgemm(int transA, int transB, int m, int n, int k,
                   const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc) {
    if (!(beta == 0.0f || beta == 1.0f)) return 0;
    const float alpha = 1.0f;
    const int flags = (transB ? LIBXSMM_GEMM_FLAG_TRANS_A : 0) | (transA ? LIBXSMM_GEMM_FLAG_TRANS_B : 0)
                    | (beta == 0.0f ? LIBXSMM_GEMM_FLAG_BETA_0 : 0);
    const libxsmm_blasint xm = n, xn = m, xk = k, xlda = ldb, xldb = lda, xldc = ldc;
    const libxsmm_smmfunction kernel = libxsmm_smmdispatch(xm, xn, xk, &xlda, &xldb, &xldc, &alpha, &beta, &flags, NULL);
    if (!kernel) return 0;
    kernel(b, a, c);
    return 1;
}
