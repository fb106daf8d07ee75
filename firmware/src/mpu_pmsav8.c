/* PMSAv8 (mpu.h); mpu.c is the same policy for PMSAv7. Regions are [base, limit] at 32-byte
 * granularity and must not overlap: an access that two enabled regions match is a fault. */
#include "mpu.h"

#if MPU_PMSAV8

#include "armv7m.h"
#include "memory_map.h"

enum {
    REGION_FLASH = 0,
    REGION_JOB_STACK = 1,
    REGION_STACK_GUARD = 2,
    REGION_FREE_ARENA = 3,
    REGION_FIRST_MODULE = 4, /* then code and data of each module of the job */
};

/* MAIR0 byte 0: normal memory, write-back, read and write allocate (every region uses it). */
#define ATTR_NORMAL 0u
#define MAIR_NORMAL_WRITE_BACK 0xFFu

static uint32_t next_region;  /* the first region no module of the running job uses yet */
static uint32_t region_count; /* what the core implements (MPU_TYPE.DREGION) */

static uint32_t round_up(uint32_t value)
{
    return (value + MPU_PMSAV8_GRANULE - 1u) & ~(MPU_PMSAV8_GRANULE - 1u);
}

/* [start, start + bytes), start on a granule, bytes a multiple of it and not 0. */
static void set_region(uint32_t number, uintptr_t start, uint32_t bytes, uint32_t access)
{
    MPU_RNR = number;
    MPU_RBAR = (uint32_t)start | access;
    MPU_RLAR = (((uint32_t)start + bytes - 1u) & ~(MPU_PMSAV8_GRANULE - 1u)) |
               (ATTR_NORMAL << MPU_RLAR_ATTR_Pos) | MPU_RLAR_ENABLE_Msk;
}

static void clear_region(uint32_t number)
{
    MPU_RNR = number;
    MPU_RLAR = 0;
}

static void sync(void)
{
    dsb();
    isb();
}

uint32_t mpu_segment_bytes(void)
{
    return MPU_PMSAV8_GRANULE;
}

void mpu_init(void)
{
    region_count = (MPU_TYPE & MPU_TYPE_DREGION_Msk) >> MPU_TYPE_DREGION_Pos;
    MPU_CTRL = 0;
    MPU_MAIR0 = MAIR_NORMAL_WRITE_BACK << (8u * ATTR_NORMAL);
    for (uint32_t n = 0; n < region_count; n++) {
        clear_region(n);
    }
    set_region(REGION_FLASH, (uintptr_t)__flash_start, (uint32_t)(__flash_end - __flash_start),
               MPU_RBAR_AP_READ_ONLY);
    set_region(REGION_JOB_STACK, (uintptr_t)__job_stack_bottom,
               (uint32_t)(__job_stack_top - __job_stack_bottom), MPU_RBAR_AP_FULL | MPU_RBAR_XN_Msk);
    /* No PMSAv8 access permission forbids reads to privileged code; a stack overflow writes. */
    set_region(REGION_STACK_GUARD, (uintptr_t)__job_stack_bottom - MPU_STACK_GUARD_BYTES,
               MPU_STACK_GUARD_BYTES, MPU_RBAR_AP_PRIV_READ_ONLY | MPU_RBAR_XN_Msk);
    next_region = REGION_FIRST_MODULE;
    MPU_CTRL = MPU_CTRL_ENABLE_Msk | MPU_CTRL_PRIVDEFENA_Msk;
    sync();
}

/* A module beyond the regions the core has gets none: its code faults, contained. The loader
 * places each module's code and data on granule boundaries, so its regions touch no other. */
void mpu_allow_module(const uint8_t *code, uint32_t code_bytes, const uint8_t *data,
                      uint32_t data_bytes, mpu_code_access access)
{
    if (next_region + 2u > region_count || code_bytes == 0u) {
        return;
    }
    uint32_t code_ap = access == MPU_CODE_READ_ONLY ? MPU_RBAR_AP_READ_ONLY : MPU_RBAR_AP_FULL;
    set_region(next_region++, (uintptr_t)code, round_up(code_bytes), code_ap);
    if (data_bytes != 0u) {
        set_region(next_region++, (uintptr_t)data, round_up(data_bytes),
                   MPU_RBAR_AP_FULL | MPU_RBAR_XN_Msk);
    }
    sync();
}

uint8_t *mpu_allow_free_arena(uint8_t *from)
{
    uint32_t offset = round_up((uint32_t)(from - __module_arena_start));
    uint32_t size = (uint32_t)(__module_arena_end - __module_arena_start);
    if (offset < size) {
        set_region(REGION_FREE_ARENA, (uintptr_t)__module_arena_start + offset, size - offset,
                   MPU_RBAR_AP_FULL | MPU_RBAR_XN_Msk);
        sync();
    }
    return __module_arena_start + offset;
}

void mpu_forbid_code(void)
{
    clear_region(REGION_FREE_ARENA);
    while (next_region > REGION_FIRST_MODULE) {
        clear_region(--next_region);
    }
    sync();
}

#endif
