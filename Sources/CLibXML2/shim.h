#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU, and encoding.h would then pull ICU's headers into this
// module, where they clash with the copy of ICU inside Foundation. Nothing here reads the
// ICU converter fields that the setting adds to xmlCharEncodingHandler.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

// The error a parse left behind, if any (libxml2 keeps it per thread).
static inline const xmlError *clibxml2_last_error(void) {
    return xmlGetLastError();
}
