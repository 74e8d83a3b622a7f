// Row-major single-precision products through libxsmm's JIT kernels: C = op(A)·op(B) + β·C with
// α = 1 and β ∈ {0, 1}. A C shim because libxsmm's kernels are variadic C function pointers,
// which Swift cannot call.
#ifndef CSMALLGEMM_H
#define CSMALLGEMM_H

/// Runs the product and returns 1, or returns 0 without touching C when libxsmm has no kernel
/// for it (the caller then uses OpenBLAS). Leading dimensions as in CBLAS row-major.
int wt_small_sgemm(int transA, int transB, int m, int n, int k,
                   const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc);

#endif
