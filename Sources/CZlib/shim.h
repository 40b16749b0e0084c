#include <zlib.h>

// inflateInit2 is a macro, which Swift cannot call; this function can.
static inline int czlib_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}
