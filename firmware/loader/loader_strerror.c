/* loader_strerror: the error names, kept apart from the loading code (loader.c). They cost
 * 160-170 bytes of flash, a tenth of the loader: a firmware that reports statuses as numbers
 * never calls this and its linker (--gc-sections) drops it, and loader.c's size goal
 * (sim/footprint.py, LOADER_FLASH_BUDGET) is the loading code's alone. */
#include <string.h>

#include "loader.h"

/* Every name in status order, each ending in NUL, then "unknown": one string and no table of
 * pointers, which would cost a word a name on top of the names' bytes. */
#define LOADER_STATUS_NAME(suffix, name, value) #name "\0"
static const char status_names[] = LOADER_STATUSES(LOADER_STATUS_NAME) "unknown";
#undef LOADER_STATUS_NAME
#define LOADER_STATUS_ONE(suffix, name, value) +1
enum { STATUS_COUNT = 0 LOADER_STATUSES(LOADER_STATUS_ONE) };
#undef LOADER_STATUS_ONE

const char *loader_strerror(int status)
{
    uint32_t skip = 0u - (uint32_t)status; /* statuses go 0, -1, -2, ...: the name's position */
    if (skip > STATUS_COUNT) {
        skip = STATUS_COUNT; /* past the last status: "unknown" */
    }
    const char *name = status_names;
    while (skip-- > 0u) {
        name += strlen(name) + 1u;
    }
    return name;
}
