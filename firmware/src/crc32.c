/* The CRC-32 table the loader reads module files and the export table through (crc32_table.h):
 * 1 KiB of flash, where module code cannot change it. */
#include "crc32.h"

const uint32_t firmware_crc32_table[LOADER_CRC32_TABLE_ENTRIES] = LOADER_CRC32_TABLE;
