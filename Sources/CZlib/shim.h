#include <zlib.h>

// inflateInit2 is a macro, which Swift cannot call; this function can.
static inline int czlib_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}

// The same for any window: 16 + MAX_WBITS reads gzip, 32 + MAX_WBITS zlib or gzip.
static inline int czlib_inflate_init(z_stream *stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}
