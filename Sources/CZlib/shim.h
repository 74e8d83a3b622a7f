// The system zlib (Debian: zlib1g-dev), found via pkg-config; `data prepare` reads .gz corpora.
#include <zlib.h>

// inflateInit2 is a macro (it passes the header's version and struct size), which Swift cannot
// call; windowBits 15 + 16 accepts the gzip wrapper only (we detect gzip by its magic first).
static inline int windtunnel_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

// The matching writer (tests make their gzip fixtures with it): level 6, gzip wrapper.
static inline int windtunnel_deflate_init_gzip(z_stream *stream) {
    return deflateInit2(stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
