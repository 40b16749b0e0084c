#include <errno.h>
#include <stdio.h>

// Swift 6 refuses to read C's `stdout` global (shared mutable state), yet `print` writes
// through it: whether what it wrote got out can only be asked here.

/// Flushes standard output; 0 when everything written to it got out, else the errno (or -1).
static inline int huiliu_flush_stdout(void) {
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout)) return 0;
    return errno != 0 ? errno : -1;
}
