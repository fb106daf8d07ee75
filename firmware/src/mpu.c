/* PMSAv7 (mpu.h); mpu_pmsav8.c is the same policy for PMSAv8. */
#include "mpu.h"

#if !MPU_PMSAV8

#include "armv7m.h"
#include "board_config.h" /* BOARD_MPU_FLASH_WINDOW_BASE and _BYTES (mpu.h) */
#include "memory_map.h"

#if ARCH_V6M
/* The ARMv6-M parts here have no MPU: nothing to program, and module code and data need no
 * boundary beyond the loader's own 8 bytes. What that leaves uncontained: README.md, "What is
 * contained on a part without an MPU". */
#define NO_MPU_SEGMENT_BYTES 8u

void mpu_init(void)
{
}

uint32_t mpu_segment_bytes(void)
{
    return NO_MPU_SEGMENT_BYTES;
}

void mpu_allow_module(const uint8_t *code, uint32_t code_bytes, const uint8_t *data,
                      uint32_t data_bytes, mpu_code_access access)
{
    (void)code, (void)code_bytes, (void)data, (void)data_bytes, (void)access;
}

void mpu_forbid_code(void)
{
}
#else

enum {
    REGION_SRAM = 0,
    REGION_FLASH = 1,
    REGION_ARENA_DATA = 2,
    REGION_ARENA_CODE = 3,
    REGION_JOB_STACK = 4,
    REGION_STACK_GUARD = 5,
};

#define SUBREGIONS 8u
#define ALL_SUBREGIONS_DISABLED 0xFFu
#define NORMAL_MEMORY (MPU_RASR_C_Msk | MPU_RASR_S_Msk)

static uint32_t code_subregions; /* bit n set: subregion n holds code of the current job */

/* RASR.SIZE for a power-of-two size: the region is 2^(SIZE + 1) bytes. */
static uint32_t size_field(uint32_t bytes)
{
    uint32_t log2 = 0;
    while ((1u << log2) < bytes) {
        log2++;
    }
    return (log2 - 1u) << MPU_RASR_SIZE_Pos;
}

static void set_region(uint32_t number, const void *base, uint32_t bytes, uint32_t attributes)
{
    MPU_RNR = number;
    MPU_RBAR = (uint32_t)(uintptr_t)base;
    MPU_RASR = MPU_RASR_ENABLE_Msk | size_field(bytes) | attributes;
}

static uint32_t span(const uint8_t *start, const uint8_t *end)
{
    return (uint32_t)(end - start);
}

static uint32_t power_of_two_at_least(uint32_t bytes)
{
    uint32_t region = 32u;
    while (region < bytes) {
        region <<= 1;
    }
    return region;
}

uint32_t mpu_segment_bytes(void)
{
    return span(__module_arena_start, __module_arena_end) / SUBREGIONS;
}

/* access: the code subregions' access permissions (mpu_allow_module's) */
static void write_code_region(uint32_t access)
{
    uint32_t disabled = ALL_SUBREGIONS_DISABLED & ~code_subregions;
    set_region(REGION_ARENA_CODE, __module_arena_start,
               span(__module_arena_start, __module_arena_end),
               NORMAL_MEMORY | access | (disabled << MPU_RASR_SRD_Pos));
    dsb();
    isb();
}

void mpu_init(void)
{
    uint32_t xn = MPU_RASR_XN_Msk;
    set_region(REGION_SRAM, __ram_start, power_of_two_at_least(span(__ram_start, __ram_end)),
               NORMAL_MEMORY | MPU_RASR_AP_PRIV_RW | xn);
    set_region(REGION_FLASH, (const void *)(uintptr_t)BOARD_MPU_FLASH_WINDOW_BASE,
               BOARD_MPU_FLASH_WINDOW_BYTES, MPU_RASR_C_Msk | MPU_RASR_AP_READ_ONLY);
    set_region(REGION_ARENA_DATA, __module_arena_start,
               span(__module_arena_start, __module_arena_end), NORMAL_MEMORY | MPU_RASR_AP_FULL | xn);
    code_subregions = 0;
    write_code_region(MPU_RASR_AP_FULL);
    set_region(REGION_JOB_STACK, __job_stack_bottom, span(__job_stack_bottom, __job_stack_top),
               NORMAL_MEMORY | MPU_RASR_AP_FULL | xn);
    set_region(REGION_STACK_GUARD,
               (const void *)((uintptr_t)__job_stack_bottom - MPU_STACK_GUARD_BYTES),
               MPU_STACK_GUARD_BYTES, MPU_RASR_AP_NONE | xn);
    MPU_CTRL = MPU_CTRL_ENABLE_Msk | MPU_CTRL_PRIVDEFENA_Msk;
    dsb();
    isb();
}

/* Whole subregions; the module's data is in region 2 already. */
void mpu_allow_module(const uint8_t *start, uint32_t bytes, const uint8_t *data,
                      uint32_t data_bytes, mpu_code_access access)
{
    (void)data, (void)data_bytes;

    uint32_t segment = mpu_segment_bytes();
    uint32_t first = span(__module_arena_start, start) / segment;
    uint32_t count = (bytes + segment - 1u) / segment;
    for (uint32_t n = first; n < first + count && n < SUBREGIONS; n++) {
        code_subregions |= 1u << n;
    }
    write_code_region(access == MPU_CODE_READ_ONLY ? MPU_RASR_AP_READ_ONLY : MPU_RASR_AP_FULL);
}

void mpu_forbid_code(void)
{
    code_subregions = 0;
    write_code_region(MPU_RASR_AP_FULL); /* no subregion enabled: the access is moot */
}

#endif /* ARCH_V6M */

/* Under PMSAv7 the whole arena is region 2 already; without an MPU nothing guards it. */
uint8_t *mpu_allow_free_arena(uint8_t *from)
{
    return from;
}

#endif /* !MPU_PMSAV8 */
