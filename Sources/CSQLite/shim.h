#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro Swift cannot import; sqlite3_bind_text needs it.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
