// The CBLAS interface of the system OpenBLAS (Debian: libopenblas-dev), found via pkg-config.
#include <cblas.h>
