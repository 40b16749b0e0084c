#include <spawn.h>

// glibc (2.34 and later) declares this only under _GNU_SOURCE, which the Glibc module Swift
// imports is built without; the declaration is glibc's own.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
