/* The module file format, version 1. FORMAT.md beside this file is the reference; the host's
 * side of this header is sim/module_format.py, its writer sim/pack.py. */
#ifndef MODULE_FORMAT_H
#define MODULE_FORMAT_H

#include <stdint.h>

#define MOD_MAGIC 0x444F4D43u /* "CMOD" */
#define MOD_FORMAT_VERSION 1u

typedef struct {
    uint32_t magic;
    uint16_t format_version;
    uint16_t header_size;
    uint8_t arch_core;       /* enum mod_core */
    uint8_t arch_fpu;        /* enum mod_fpu */
    uint8_t arch_float_abi;  /* enum mod_float_abi */
    uint8_t reserved0;
    uint16_t api_major;
    uint16_t api_minor;
    uint32_t text_size;
    uint32_t data_size;
    uint32_t bss_size;
    uint32_t entry;          /* offset in the image, Thumb bit set */
    uint32_t init_offset;
    uint16_t init_count;
    uint16_t fixup_count;
    uint16_t import_count;
    uint16_t export_count;
    uint32_t strings_size;
    uint32_t crc32;          /* of the whole file with this field as 0 */
    uint32_t reserved1;
} mod_header;

#ifdef __cplusplus
static_assert(sizeof(mod_header) == 56, "mod_header must match FORMAT.md");
#else
_Static_assert(sizeof(mod_header) == 56, "mod_header must match FORMAT.md");
#endif

/* Codes grow with what the core can run (loader.c, check_arch): M0 < M3 < M4 < M7 < M33 < M55. */
enum mod_core {
    MOD_CORE_M0 = 0, MOD_CORE_M3 = 3, MOD_CORE_M4 = 4, MOD_CORE_M7 = 7, MOD_CORE_M33 = 33,
    MOD_CORE_M55 = 55, MOD_CORE_UNKNOWN = 0xFF
};
enum mod_fpu { MOD_FPU_NONE = 0, MOD_FPU_FPV4_SP = 1, MOD_FPU_FPV5_SP = 2, MOD_FPU_FPV5_DP = 3 };
enum mod_float_abi { MOD_FLOAT_SOFT = 0, MOD_FLOAT_SOFTFP = 1, MOD_FLOAT_HARD = 2 };

/* A fix-up word: offset in bits 0-27, kind in bits 28-31. */
#define MOD_FIXUP_OFFSET(word) ((word) & 0x0FFFFFFFu)
#define MOD_FIXUP_KIND(word) ((word) >> 28)
enum mod_fixup_kind { MOD_FIXUP_ABS32 = 0 };

typedef struct {
    uint32_t name_hash;
    uint32_t slot;  /* offset of the veneer's address word in the image */
    uint32_t name;  /* offset in strings */
} mod_import;

typedef struct {
    uint32_t name_hash;
    uint32_t value; /* offset in the image, Thumb bit set for functions */
    uint32_t name;  /* offset in strings */
} mod_export;

#endif
