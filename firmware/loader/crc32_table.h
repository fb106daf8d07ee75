/* The CRC-32 that module files and the export table carry (IEEE 802.3, reflected, as zlib's
 * crc32(); FORMAT.md) as the 256-entry table loader_crc32() reads every byte through: one
 * lookup a byte where the bitwise CRC takes eight shifts. The table is 1 KiB, which would
 * almost double the loader library, so the firmware places it and hands it over
 * (loader_env.crc32_table); a firmware that already keeps this table for its own checks shares
 * it. Its contents are worked out by the compiler from the polynomial:
 *
 *     const uint32_t my_crc32_table[256] = LOADER_CRC32_TABLE;
 */
#ifndef CRC32_TABLE_H
#define CRC32_TABLE_H

#include <stdint.h>

#define LOADER_CRC32_POLYNOMIAL 0xEDB88320u
#define LOADER_CRC32_TABLE_ENTRIES 256u

/* One step of the bitwise CRC; a byte's entry is eight of them on the byte's value. */
#define LOADER_CRC32_STEP(c) (((c) >> 1) ^ (LOADER_CRC32_POLYNOMIAL & (0u - ((c) & 1u))))
#define LOADER_CRC32_ENTRY(n)                                                                   \
    LOADER_CRC32_STEP(LOADER_CRC32_STEP(LOADER_CRC32_STEP(LOADER_CRC32_STEP(                   \
        LOADER_CRC32_STEP(LOADER_CRC32_STEP(LOADER_CRC32_STEP(LOADER_CRC32_STEP((uint32_t)(n)))))))))
#define LOADER_CRC32_ENTRIES_4(n)                                                               \
    LOADER_CRC32_ENTRY(n), LOADER_CRC32_ENTRY((n) + 1), LOADER_CRC32_ENTRY((n) + 2),           \
        LOADER_CRC32_ENTRY((n) + 3)
#define LOADER_CRC32_ENTRIES_16(n)                                                              \
    LOADER_CRC32_ENTRIES_4(n), LOADER_CRC32_ENTRIES_4((n) + 4), LOADER_CRC32_ENTRIES_4((n) + 8), \
        LOADER_CRC32_ENTRIES_4((n) + 12)
#define LOADER_CRC32_ENTRIES_64(n)                                                              \
    LOADER_CRC32_ENTRIES_16(n), LOADER_CRC32_ENTRIES_16((n) + 16),                             \
        LOADER_CRC32_ENTRIES_16((n) + 32), LOADER_CRC32_ENTRIES_16((n) + 48)
#define LOADER_CRC32_TABLE                                                                      \
    {                                                                                           \
        LOADER_CRC32_ENTRIES_64(0), LOADER_CRC32_ENTRIES_64(64), LOADER_CRC32_ENTRIES_64(128),  \
            LOADER_CRC32_ENTRIES_64(192)                                                        \
    }

#endif
