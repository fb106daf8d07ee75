/* The error names of the loader's statuses, as @end records and the reports spell them. Kept out of the loader library: how a
 * status is reported is the firmware's business, and the names would double its rodata. */
#include "loader_status.h"

static const char *const status_names[] = {
    "ok", "bad_magic", "bad_version", "bad_crc", "truncated", "bad_header", "bad_arch",
    "unresolved", "no_memory", "bad_reloc", "startup", "no_entry", "bad_exports",
};

const char *loader_status_name(int status)
{
    unsigned index = (unsigned)-status;
    return index < sizeof status_names / sizeof status_names[0] ? status_names[index] : "unknown";
}
