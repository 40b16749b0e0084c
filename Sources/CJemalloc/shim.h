#include <stddef.h>

// Linking libjemalloc replaces malloc and free for the whole process. Only its control
// interface is declared here: jemalloc.h redeclares malloc and friends, which would clash
// with the C library's declarations in the same module graph.
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
