/* The module loader library. It holds no board or semihosting code: modules arrive through a
 * loader_source, memory comes from a loader_arena, and the firmware's exports and the running
 * core are described by a loader_env. A load is a staged pipeline, each stage timed apart by
 * the caller:
 *
 *   loader_read   check the header, allocate, read, check the CRC and every table
 *   loader_link   apply fix-ups, bind imports, barriers
 *   loader_init   run the constructors
 *   loader_find   look up the entry (or any export) by name
 *   loader_unload give the memory back
 *
 * Every stage returns LOADER_OK or a negative loader_status (the firmware's
 * loader_status_name() gives the error name reports use). */
#ifndef LOADER_H
#define LOADER_H

#include <stdint.h>

#include "crc32_table.h"
#include "export_table.h"
#include "module_format.h"

typedef enum {
    LOADER_OK = 0,
    LOADER_E_BAD_MAGIC = -1,
    LOADER_E_BAD_VERSION = -2,
    LOADER_E_BAD_CRC = -3,
    LOADER_E_TRUNCATED = -4,
    LOADER_E_BAD_HEADER = -5,
    LOADER_E_BAD_ARCH = -6,
    LOADER_E_UNRESOLVED = -7,
    LOADER_E_NO_MEMORY = -8,
    LOADER_E_BAD_RELOC = -9,
    LOADER_E_STARTUP = -10,
    LOADER_E_NO_ENTRY = -11,
    LOADER_E_BAD_EXPORTS = -12,
} loader_status;


/* Where module bytes come from: semihosting, a buffer, flash. */
typedef struct loader_source {
    /* Copy len bytes from offset to dst. Returns 0, or -1 if they are not all there. */
    int (*read)(struct loader_source *self, uint32_t offset, void *dst, uint32_t len);
    uint32_t size;
} loader_source;

/* A bump allocator: modules are loaded and unloaded last-in, first-out within a job. Each
 * module's code starts on a segment_align boundary and its data on the next data_align one
 * after the code, so a memory protection unit with that granule can make code executable and
 * data not. */
typedef struct {
    uint8_t *start;
    uint8_t *end;
    uint8_t *top;
    uint32_t segment_align;        /* a power of two, at least 8 */
    uint32_t data_align;           /* a power of two; below segment_align means segment_align */
} loader_arena;

struct loaded_module;

typedef struct {
    uint8_t core;                  /* enum mod_core the running CPU can execute */
    uint8_t fpu;                   /* enum mod_fpu enabled on the running CPU */
    const export_table *exports;
    /* The CRC-32 table (crc32_table.h: LOADER_CRC32_TABLE), where the firmware put it. */
    const uint32_t *crc32_table;
    /* Resident modules (libraries loaded before, still in the arena): imports the export
     * table lacks resolve against their exports, in this order. */
    const struct loaded_module *const *residents;
    uint32_t resident_count;
    /* Called once per import nothing provides, before loader_link fails. */
    void (*report_unresolved)(void *context, const char *name);
    /* Runs one constructor and returns 0, or non-zero if it did not come back normally (the
     * firmware runs it as contained job code). NULL: call it directly. */
    int (*run_constructor)(void *context, void (*constructor)(void));
    /* Makes [start, start + bytes), code the loader has just written as data, safe to execute
     * on a core with caches: clean the D-cache and invalidate the I-cache over it (ARMv7-M ARM
     * B2.2.7). loader_link calls it once per module it links, over the module's text, before
     * its own DSB and ISB. NULL: only that DSB and ISB, which is all a core without caches
     * needs. */
    void (*sync_code)(void *context, const void *start, uint32_t bytes);
    void *context;
} loader_env;

typedef struct loaded_module {
    mod_header header;
    uint8_t *base;                 /* text (code, read-only data, constructors) */
    uint8_t *data;                 /* data then bss, at the first segment boundary after text */
    const uint32_t *fixups;
    const mod_import *imports;
    const mod_export *exports;
    const char *strings;
    uint8_t *block_start;          /* what loader_unload gives back */
} loaded_module;

/* Check the firmware's export table: magic, sorted order, checksum (through crc32_table, as
 * loader_crc32). Fail closed. */
int loader_check_exports(const export_table *table, const uint32_t *crc32_table);

int loader_read(const loader_env *env, loader_arena *arena, loader_source *source,
                loaded_module *module);
int loader_link(const loader_env *env, loaded_module *module);
int loader_init(const loader_env *env, const loaded_module *module);
int loader_find(const loaded_module *module, const char *name, void **address);
void loader_unload(loader_arena *arena, const loaded_module *module);

/* Where the module's link-time offset (as the packer laid it out: text, then data at
 * text_size) is at run time. */
uint8_t *loader_address(const loaded_module *module, uint32_t offset);

uint32_t loader_name_hash(const char *name);
/* CRC-32 (IEEE, as zlib: crc 0 starts one) of len more bytes, through a LOADER_CRC32_TABLE. */
uint32_t loader_crc32(const uint32_t *table, uint32_t crc, const void *data, uint32_t len);

#endif
