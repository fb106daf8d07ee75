#include "tems.h"

#include <stdlib.h>

tems_module_info *tems_module_info_build(const export_table *exports)
{
    tems_module_info *info = malloc(sizeof *info + exports->count * sizeof(tems_symbol));
    if (info == NULL) {
        return NULL;
    }
    info->version = TEMS_INFO_VERSION;
    info->length = exports->count;
    for (uint32_t i = 0; i < exports->count; i++) {
        info->sym[i].name = exports->entries[i].name;
        info->sym[i].addr = (uintptr_t)exports->entries[i].address;
    }
    return info;
}
