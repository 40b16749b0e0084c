#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

// The error a parse left behind, if any (libxml2 keeps it per thread).
static inline const xmlError *clibxml2_last_error(void) {
    return xmlGetLastError();
}
