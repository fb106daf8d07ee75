/* TEMS-style modules (the "Tiny Embedded Module System" draft): the module finds firmware
 * functions itself, by name, in a ModuleInfo table the loader builds from the export table,
 * and is driven through one function, int _start(struct ModuleInfo *, int action). */
#ifndef TEMS_H
#define TEMS_H

#include <stdint.h>

#include "export_table.h"

#define TEMS_INFO_VERSION 0u /* the draft's default */

typedef struct {
    const char *name;
    uintptr_t addr;
} tems_symbol;

typedef struct {
    uint32_t version;
    uint32_t length;
    tems_symbol sym[];
} tems_module_info;

enum tems_action { TEMS_ACTION_START = 0, TEMS_ACTION_RUN = 1 };
/* What _start(info, TEMS_ACTION_START) returns */
enum tems_answer { TEMS_OK = 0, TEMS_SYMBOL_ERROR = 1, TEMS_STARTUP_ERROR = 3 };

typedef int (*tems_start)(tems_module_info *info, int action);

/* The bytes the table takes for this export table. */
uint32_t tems_module_info_bytes(const export_table *exports);

/* Build the table from the export table at [start, end) (8-byte aligned start). Returns NULL if
 * it does not fit. */
tems_module_info *tems_module_info_build(const export_table *exports, uint8_t *start,
                                         const uint8_t *end);

#endif
