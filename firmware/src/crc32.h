/* The firmware's CRC-32 table (crc32.c), handed to the loader through loader_env. */
#ifndef CRC32_H
#define CRC32_H

#include <stdint.h>

#include "crc32_table.h"

extern const uint32_t firmware_crc32_table[LOADER_CRC32_TABLE_ENTRIES];

#endif
