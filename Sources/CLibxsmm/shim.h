// libxsmm (Debian: libxsmm-dev): JIT-generated small matrix kernels, no packing. Used through
// CSmallGEMM for the products where Scripts/gemm-shapes.c measured it faster than OpenBLAS.
#include <libxsmm.h>
