// Row-major single-precision products through libxsmm's JIT kernels: C = op(A)·op(B) + β·C with
// α = 1 and β ∈ {0, 1}. A C shim because libxsmm's kernels are variadic C function pointers,
// which Swift cannot call.
#ifndef CSMALLGEMM_H
#define CSMALLGEMM_H

/// Runs the product and returns 1, or returns 0 without touching C when libxsmm has no kernel
/// for it (the caller then uses OpenBLAS). Leading dimensions as in CBLAS row-major. A
/// transposed B (libxsmm 1.17 generates no kernel for it) is first copied transposed into a
/// per-thread scratch buffer, then multiplied with the NN kernel.
int wt_small_sgemm(int transA, int transB, int m, int n, int k,
                   const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc);

/// The vector width libxsmm generates code for on this CPU (or under LIBXSMM_TARGET): 512 for
/// AVX-512, 256 for AVX2, 0 below that (the path is then off).
int wt_small_gemm_vector_bits(void);

#endif
