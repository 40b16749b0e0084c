#include <spawn.h>

// glibc declares these only under _GNU_SOURCE, which the Glibc module Swift imports is built
// without; the declarations are glibc's own (addchdir_np since 2.29, addclosefrom_np since 2.34).
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
