#include "tems.h"

#include <stddef.h>

uint32_t tems_module_info_bytes(const export_table *exports)
{
    return (uint32_t)(sizeof(tems_module_info) + exports->count * sizeof(tems_symbol));
}

tems_module_info *tems_module_info_build(const export_table *exports, uint8_t *start,
                                         const uint8_t *end)
{
    if (tems_module_info_bytes(exports) > (uint32_t)(end - start)) {
        return NULL;
    }
    tems_module_info *info = (tems_module_info *)(void *)start;
    info->version = TEMS_INFO_VERSION;
    info->length = exports->count;
    for (uint32_t i = 0; i < exports->count; i++) {
        info->sym[i].name = exports->entries[i].name;
        info->sym[i].addr = (uintptr_t)exports->entries[i].address;
    }
    return info;
}
