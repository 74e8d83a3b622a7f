// The matrix products of one training step, timed in OpenBLAS, BLIS, libxsmm and oneDNN side by side
// (issue 13: is there a small-GEMM path that beats OpenBLAS at the sizes sweeps train?). Its
// output is where the rule in Sources/Tensor/SmallGEMM.swift comes from.
//
// For a GPT-2-style model of width d (MLP 4d, vocab V) on M = batch × context rows, every linear
// layer (in → out) costs three products per step, as WindTunnel issues them (row-major):
//   forward  Y  = X · Wᵀ      NT  M × out × in
//   dX       dX = dY · W      NN  M × in  × out
//   dW       dW = dYᵀ · X     TN  out × in × M
// for qkv (d → 3d), the attention output (d → d), the MLP (d → 4d, 4d → d) and the logits
// (d → V). The libxsmm candidate is WindTunnel's own shim (Sources/CSmallGEMM/small_gemm.c,
// compiled in here), so what is timed is what a training step runs: the per-call kernel
// dispatch and, for a transposed B (libxsmm 1.17 has no such kernel), the transposed copy into
// per-thread scratch followed by the NN kernel.
// Causal attention (context T, head dim dh = d / heads, row blocks of 64, as
// Sources/Tensor/Ops/Attention.swift) adds per (batch, head) and block the products
//   S = Q·Kᵀ (NT), P·V (NN), dP = dO·Vᵀ (NT), all β 0, and dV += Pᵀ·dO (TN), dQ += dS·K (NN),
//   dK += dSᵀ·Q (TN), β 1
// with the real strides (q, k, v rows 3d apart in the fused projection), all with α = 1 (the
// score scale is applied in the softmax and in dS).
// Every candidate runs on one thread (sweeps run one single-threaded process per core),
// alternating round by round; the median of 15 rounds is reported in GFLOP/s, with each
// alternative's largest relative difference from OpenBLAS's result (a wrong product is no win).
//
// oneDNN's dnnl_sgemm (Debian libdnnl-dev: JIT-generated GEMM kernels, row-major) is the fourth.
// Build and run (Debian: libopenblas-dev, libblis-dev, libxsmm-dev, libdnnl-dev; not part of the build):
//   cc -O2 -ISources/CSmallGEMM/include -o /tmp/gemm-shapes Scripts/gemm-shapes.c -lopenblas -lxsmm -lxsmmnoblas -ldl -lpthread -lm
//   OPENBLAS_CORETYPE=SkylakeX BLIS_NUM_THREADS=1 /tmp/gemm-shapes M d [vocab [T heads]]
//   e.g. /tmp/gemm-shapes 1024 64 84 64 4   (qs-d64: batch 16 × context 64, 4 heads)
// (OPENBLAS_CORETYPE: Debian's OpenBLAS falls back to Prescott kernels on CPUs it does not know;
// windtunnel sets it itself, see Sources/Tensor/BLASKernels.swift. For an AVX2 machine's kernels
// on an AVX-512 one: OPENBLAS_CORETYPE=Haswell LIBXSMM_TARGET=hsw ONEDNN_MAX_CPU_ISA=AVX2; BLIS keeps its own choice.)
// Benchmarks/gemm-shapes holds the committed runs and summarize.py. Prints one JSON object per
// product. BLIS is loaded with dlopen so that its cblas_sgemm and OpenBLAS's stay apart; oneDNN
// too, so the benchmark builds without it (its OpenMP runtime is held to one thread).
#include <cblas.h>
#include <dlfcn.h>
#include <libxsmm.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../Sources/CSmallGEMM/small_gemm.c"  // wt_small_sgemm: the libxsmm path as trained

typedef int (*dnnl_sgemm_fn)(char, char, long, long, long, float, const float *, long, const float *, long,
                             float, float *, long);
typedef void (*sgemm_fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, int, int, int, float,
                         const float *, int, const float *, int, float, float *, int);
extern void openblas_set_num_threads(int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// A row-major product C (m × n) = op(A)·op(B) + β·C with explicit leading dimensions.
typedef struct { const char *layer, *op; int m, n, k, ta, tb, lda, ldb, ldc; float beta; } product;

static product make(const char *layer, const char *op, int m, int n, int k, int ta, int tb, float beta) {
    return (product){layer, op, m, n, k, ta, tb, ta ? m : k, tb ? k : n, n, beta};
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum { OPENBLAS, BLIS, XSMM, DNNL, CANDIDATES };
static const char *names[CANDIDATES] = {"openblas", "blis", "libxsmm", "onednn"};
static sgemm_fn blis_sgemm;
static dnnl_sgemm_fn dnnl_sgemm;

static void openblas(const product *q, const float *a, const float *b, float *c) {
    cblas_sgemm(CblasRowMajor, q->ta ? CblasTrans : CblasNoTrans, q->tb ? CblasTrans : CblasNoTrans,
                q->m, q->n, q->k, 1, a, q->lda, b, q->ldb, q->beta, c, q->ldc);
}

// One product in candidate `cand`; 0 when that candidate is missing or has no kernel for it. The
// libxsmm path is exactly the one the training step calls.
static int run(int cand, const product *q, const float *a, const float *b, float *c) {
    switch (cand) {
    case OPENBLAS: openblas(q, a, b, c); return 1;
    case BLIS:
        if (!blis_sgemm) return 0;
        blis_sgemm(CblasRowMajor, q->ta ? CblasTrans : CblasNoTrans, q->tb ? CblasTrans : CblasNoTrans,
                   q->m, q->n, q->k, 1, a, q->lda, b, q->ldb, q->beta, c, q->ldc);
        return 1;
    case XSMM: return wt_small_sgemm(q->ta, q->tb, q->m, q->n, q->k, a, q->lda, b, q->ldb, q->beta, c, q->ldc);
    case DNNL:
        return dnnl_sgemm && dnnl_sgemm(q->ta ? 'T' : 'N', q->tb ? 'T' : 'N', q->m, q->n, q->k, 1, a, q->lda,
                                        b, q->ldb, q->beta, c, q->ldc) == 0;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s M d [vocab [T heads]]\n", argv[0]); return 2; }
    const int M = atoi(argv[1]), d = atoi(argv[2]), V = argc > 3 ? atoi(argv[3]) : 84;
    const int T = argc > 5 ? atoi(argv[4]) : 0, H = argc > 5 ? atoi(argv[5]) : 0;
    openblas_set_num_threads(1);
    void *blis = dlopen("libblis.so.4", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    blis_sgemm = blis ? (sgemm_fn)dlsym(blis, "cblas_sgemm") : NULL;
    if (!blis_sgemm) fprintf(stderr, "BLIS not found (libblis.so.4 with cblas_sgemm): skipped\n");
    void *dnnl = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    dnnl_sgemm = dnnl ? (dnnl_sgemm_fn)dlsym(dnnl, "dnnl_sgemm") : NULL;
    void (*omp_threads)(int) = dnnl ? (void (*)(int))dlsym(dnnl, "omp_set_num_threads") : NULL;
    if (omp_threads) omp_threads(1);
    if (!dnnl_sgemm) fprintf(stderr, "oneDNN not found (libdnnl.so.2 with dnnl_sgemm): skipped\n");
    libxsmm_init();

    const struct { const char *name; int in, out; } layers[] = {
        {"qkv", d, 3 * d}, {"attn_out", d, d}, {"mlp_fc", d, 4 * d}, {"mlp_out", 4 * d, d}, {"logits", d, V}};
    product ps[32];
    int np = 0;
    for (int l = 0; l < 5; l++) {
        int in = layers[l].in, out = layers[l].out;
        ps[np++] = make(layers[l].name, "forward", M, out, in, 0, 1, 0);
        ps[np++] = make(layers[l].name, "dX", M, in, out, 0, 0, 0);
        ps[np++] = make(layers[l].name, "dW", out, in, M, 1, 0, 0);
    }
    if (T > 0 && H > 0) {
        // One head, one row block [r0, r0 + rows) attending to keys 0 ..< cols: the first block and,
        // when T > 64, the last (the widest).
        const int dh = d / H, qkv = 3 * d;
        for (int last = 0; last <= (T > 64); last++) {
            int rows = T < 64 ? T : 64, cols = last ? T : rows;
            const char *blk = last ? "attn_last_block" : "attn_first_block";
            ps[np++] = (product){blk, "S=Q.Kt", rows, cols, dh, 0, 1, qkv, qkv, T, 0};
            ps[np++] = (product){blk, "P.V", rows, dh, cols, 0, 0, T, qkv, d, 0};
            ps[np++] = (product){blk, "dP=dO.Vt", rows, cols, dh, 0, 1, d, qkv, T, 0};
            ps[np++] = (product){blk, "dV+=Pt.dO", cols, dh, rows, 1, 0, T, d, qkv, 1};
            ps[np++] = (product){blk, "dQ+=dS.K", rows, dh, cols, 0, 0, T, qkv, qkv, 1};
            ps[np++] = (product){blk, "dK+=dSt.Q", cols, dh, rows, 1, 0, T, qkv, qkv, 1};
        }
    }
    const long big = 4L * M * 4 * d + 4L * T * T + 64;
    float *a = malloc(sizeof(float) * big), *b = malloc(sizeof(float) * big);
    float *c = malloc(sizeof(float) * big);
    for (long i = 0; i < big; i++) { a[i] = (float)((i * 7) % 13) / 13 - 0.5f; b[i] = (float)((i * 5) % 11) / 11 - 0.5f; }

    for (int p = 0; p < np; p++) {
        product q = ps[p];
        // Every candidate must compute the same product: compare with OpenBLAS before timing.
        const long csize = (long)q.m * q.ldc;
        float *ref = malloc(sizeof(float) * csize), *c0 = malloc(sizeof(float) * csize);
        for (long i = 0; i < csize; i++) c0[i] = (float)((i * 3) % 7) / 7;
        memcpy(ref, c0, sizeof(float) * csize);
        openblas(&q, a, b, ref);
        double err[CANDIDATES] = {0};
        int have[CANDIDATES] = {1};
        for (int cand = BLIS; cand < CANDIDATES; cand++) {
            memcpy(c, c0, sizeof(float) * csize);
            if (q.beta == 0) memset(c, 0x7f, sizeof(float) * csize);  // garbage: β = 0 must overwrite
            if (!(have[cand] = run(cand, &q, a, b, c))) continue;
            for (long i = 0; i < q.m; i++)
                for (long j = 0; j < q.n; j++) {
                    const long at = i * q.ldc + j;
                    double e = fabs((double)c[at] - ref[at]) / (fabs((double)ref[at]) + 1);
                    if (e > err[cand]) err[cand] = e;
                }
        }
        free(ref);
        free(c0);
        double flops = 2.0 * q.m * q.n * q.k;
        int repeats = (int)(2e7 / flops) + 1;
        double samples[CANDIDATES][15];
        for (int r = 0; r < 15; r++) {
            for (int cand = 0; cand < CANDIDATES; cand++) {
                if (!have[cand]) continue;
                double t0 = now();
                for (int i = 0; i < repeats; i++) run(cand, &q, a, b, c);
                samples[cand][r] = (now() - t0) / repeats;
            }
        }
        printf("{\"layer\":\"%s\",\"op\":\"%s\",\"m\":%d,\"n\":%d,\"k\":%d,\"ta\":%d,\"tb\":%d,\"beta\":%g",
               q.layer, q.op, q.m, q.n, q.k, q.ta, q.tb, q.beta);
        for (int cand = 0; cand < CANDIDATES; cand++) {
            if (!have[cand]) { printf(",\"%s_gflops\":null", names[cand]); continue; }
            qsort(samples[cand], 15, sizeof(double), cmp);
            printf(",\"%s_gflops\":%.1f", names[cand], flops / samples[cand][7] / 1e9);
            if (cand != OPENBLAS) printf(",\"%s_max_rel_err\":%.1e", names[cand], err[cand]);
        }
        printf("}\n");
        fflush(stdout);
    }
    libxsmm_finalize();
    return 0;
}
