/* An export table: what modules may import from the firmware (loader_env.exports). Entries
 * sorted by FNV-1a name hash (loader_name_hash) for a binary search, behind a header that
 * loader_check_exports checks. How a firmware makes its table is its own business (the
 * reference firmware generates it at build time: firmware/src/firmware_exports.h). */
#ifndef EXPORT_TABLE_H
#define EXPORT_TABLE_H

#include <stdint.h>

#define EXPORT_TABLE_MAGIC 0x54505845u /* "EXPT" */

typedef struct {
    uint32_t hash;          /* FNV-1a of name */
    const char *name;
    const void *address;    /* Thumb bit set for functions */
} export_entry;

typedef struct {
    uint32_t magic;
    uint16_t api_major;
    uint16_t api_minor;
    uint32_t count;
    uint32_t checksum;      /* CRC-32 of the count entries, as bytes */
    const export_entry *entries;
} export_table;

#endif
