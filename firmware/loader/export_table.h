/* The firmware's export table: what modules may import. The firmware defines one instance,
 * in its own section, generated at build time from firmware/src/exports.txt (sim/exports.py):
 * entries sorted by FNV-1a name hash for a binary search, behind a checked header. */
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

extern const export_table firmware_exports;

#endif
