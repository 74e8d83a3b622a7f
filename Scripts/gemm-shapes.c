// The matrix products of one training step, timed in OpenBLAS, BLIS and libxsmm side by side
// (issue 13: is there a small-GEMM path that beats OpenBLAS at the sizes sweeps train?).
//
// For a GPT-2-style model of width d (MLP 4d, vocab V) on M = batch × context rows, every linear
// layer (in → out) costs three products per step, as WindTunnel issues them (row-major):
//   forward  Y  = X · Wᵀ      NT  M × out × in
//   dX       dX = dY · W      NN  M × in  × out
//   dW       dW = dYᵀ · X     TN  out × in × M
// for qkv (d → 3d), the attention output (d → d), the MLP (d → 4d, 4d → d) and the logits
// (d → V). Each is timed with β = 0 (a fresh output, as the forward and dX do) on one thread,
// candidates alternating round by round; the median of 15 rounds is reported in GFLOP/s, with
// each alternative's largest relative difference from OpenBLAS's result (a wrong product is no win).
//
// Build and run (Debian: libopenblas-dev, libblis-dev, libxsmm-dev; not part of the build):
//   cc -O2 -o /tmp/gemm-shapes Scripts/gemm-shapes.c -lopenblas -lxsmm -lxsmmnoblas -ldl -lpthread -lm
//   OPENBLAS_CORETYPE=SkylakeX BLIS_NUM_THREADS=1 /tmp/gemm-shapes 1024 64 [84]
// (OPENBLAS_CORETYPE: Debian's OpenBLAS falls back to Prescott kernels on CPUs it does not know;
// windtunnel sets it itself, see Sources/Tensor/BLASKernels.swift.) Prints one JSON object per
// product. BLIS is loaded with dlopen so that its cblas_sgemm and OpenBLAS's stay apart.
#include <cblas.h>
#include <dlfcn.h>
#include <libxsmm.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*sgemm_fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, int, int, int, float,
                         const float *, int, const float *, int, float, float *, int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct { const char *layer, *op; int m, n, k, ta, tb; } product;

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum { OPENBLAS, BLIS, XSMM, CANDIDATES };
static const char *names[CANDIDATES] = {"openblas", "blis", "libxsmm"};

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s M d [vocab]\n", argv[0]); return 2; }
    const int M = atoi(argv[1]), d = atoi(argv[2]), V = argc > 3 ? atoi(argv[3]) : 84;
    void *blis = dlopen("libblis.so.4", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    sgemm_fn blis_sgemm = blis ? (sgemm_fn)dlsym(blis, "cblas_sgemm") : NULL;
    if (!blis_sgemm) fprintf(stderr, "BLIS not found (libblis.so.4 with cblas_sgemm): skipped\n");
    libxsmm_init();

    const struct { const char *name; int in, out; } layers[] = {
        {"qkv", d, 3 * d}, {"attn_out", d, d}, {"mlp_fc", d, 4 * d}, {"mlp_out", 4 * d, d}, {"logits", d, V}};
    product ps[15];
    int np = 0;
    for (int l = 0; l < 5; l++) {
        int in = layers[l].in, out = layers[l].out;
        ps[np++] = (product){layers[l].name, "forward", M, out, in, 0, 1};
        ps[np++] = (product){layers[l].name, "dX", M, in, out, 0, 0};
        ps[np++] = (product){layers[l].name, "dW", out, in, M, 1, 0};
    }
    float *a = malloc(sizeof(float) * 4 * M * 4 * d), *b = malloc(sizeof(float) * 4 * M * 4 * d);
    float *c = malloc(sizeof(float) * 4 * M * 4 * d);
    for (long i = 0; i < 4L * M * 4 * d; i++) { a[i] = (float)((i * 7) % 13) / 13 - 0.5f; b[i] = (float)((i * 5) % 11) / 11 - 0.5f; }

    for (int p = 0; p < np; p++) {
        product q = ps[p];
        // Row-major operands: A is m×k (k×m when transposed), B is k×n (n×k when transposed).
        int lda = q.ta ? q.m : q.k, ldb = q.tb ? q.k : q.n, ldc = q.n;
        // libxsmm is column-major: row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ,
        // i.e. a product of n × m × k with the operands swapped and the same transposes.
        float alpha = 1, beta = 0;
        int flags = (q.tb ? LIBXSMM_GEMM_FLAG_TRANS_A : 0) | (q.ta ? LIBXSMM_GEMM_FLAG_TRANS_B : 0) | LIBXSMM_GEMM_FLAG_BETA_0;
        libxsmm_blasint xm = q.n, xn = q.m, xk = q.k, xlda = ldb, xldb = lda, xldc = ldc;
        libxsmm_smmfunction xsmm = libxsmm_smmdispatch(xm, xn, xk, &xlda, &xldb, &xldc, &alpha, &beta, &flags, NULL);
        // Every candidate must compute the same product: compare with OpenBLAS before timing.
        float *ref = malloc(sizeof(float) * q.m * q.n);
        cblas_sgemm(CblasRowMajor, q.ta ? CblasTrans : CblasNoTrans, q.tb ? CblasTrans : CblasNoTrans,
                    q.m, q.n, q.k, 1, a, lda, b, ldb, 0, ref, ldc);
        double err[CANDIDATES] = {0, 0, 0};
        for (int cand = BLIS; cand < CANDIDATES; cand++) {
            memset(c, 0x7f, sizeof(float) * q.m * q.n);  // garbage, so β = 0 must really overwrite
            if (cand == BLIS && blis_sgemm)
                blis_sgemm(CblasRowMajor, q.ta ? CblasTrans : CblasNoTrans, q.tb ? CblasTrans : CblasNoTrans,
                           q.m, q.n, q.k, 1, a, lda, b, ldb, 0, c, ldc);
            else if (cand == XSMM && xsmm) xsmm(b, a, c);
            else continue;
            for (long i = 0; i < (long)q.m * q.n; i++) {
                double e = fabs((double)c[i] - ref[i]) / (fabs((double)ref[i]) + 1);
                if (e > err[cand]) err[cand] = e;
            }
        }
        free(ref);
        double flops = 2.0 * q.m * q.n * q.k;
        int repeats = (int)(2e7 / flops) + 1;
        double samples[CANDIDATES][15];
        int have[CANDIDATES] = {1, blis_sgemm != NULL, xsmm != NULL};
        for (int r = 0; r < 15; r++) {
            for (int cand = 0; cand < CANDIDATES; cand++) {
                if (!have[cand]) continue;
                double t0 = now();
                for (int i = 0; i < repeats; i++) {
                    if (cand == OPENBLAS)
                        cblas_sgemm(CblasRowMajor, q.ta ? CblasTrans : CblasNoTrans, q.tb ? CblasTrans : CblasNoTrans,
                                    q.m, q.n, q.k, 1, a, lda, b, ldb, 0, c, ldc);
                    else if (cand == BLIS)
                        blis_sgemm(CblasRowMajor, q.ta ? CblasTrans : CblasNoTrans, q.tb ? CblasTrans : CblasNoTrans,
                                   q.m, q.n, q.k, 1, a, lda, b, ldb, 0, c, ldc);
                    else
                        xsmm(b, a, c);
                }
                samples[cand][r] = (now() - t0) / repeats;
            }
        }
        printf("{\"layer\":\"%s\",\"op\":\"%s\",\"m\":%d,\"n\":%d,\"k\":%d", q.layer, q.op, q.m, q.n, q.k);
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
