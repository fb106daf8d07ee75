#include "mpu.h"

#include "armv7m.h"

extern uint8_t __ram_start[], __ram_end[];
extern uint8_t __module_arena_start[], __module_arena_end[];
extern uint8_t __job_stack_bottom[];

enum { REGION_SRAM = 0, REGION_ARENA = 1, REGION_STACK_GUARD = 2 };

#define SUBREGIONS 8u
#define ALL_SUBREGIONS_DISABLED 0xFFu

static uint32_t arena_rasr; /* the arena region's attributes, without SRD */
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

static void set_region(uint32_t number, const void *base, uint32_t rasr)
{
    MPU_RNR = number;
    MPU_RBAR = (uint32_t)(uintptr_t)base;
    MPU_RASR = rasr;
}

static uint32_t arena_bytes(void)
{
    return (uint32_t)(__module_arena_end - __module_arena_start);
}

uint32_t mpu_segment_bytes(void)
{
    return arena_bytes() / SUBREGIONS;
}

static void write_arena_region(void)
{
    uint32_t disabled = ALL_SUBREGIONS_DISABLED & ~code_subregions;
    set_region(REGION_ARENA, __module_arena_start, arena_rasr | (disabled << MPU_RASR_SRD_Pos));
    dsb();
    isb();
}

void mpu_init(void)
{
    uint32_t ram_bytes = (uint32_t)(__ram_end - __ram_start);
    uint32_t region_bytes = 32u;
    while (region_bytes < ram_bytes) {
        region_bytes <<= 1;
    }
    uint32_t normal_memory = MPU_RASR_C_Msk | MPU_RASR_S_Msk;
    set_region(REGION_SRAM, __ram_start, MPU_RASR_ENABLE_Msk | size_field(region_bytes) |
               normal_memory | MPU_RASR_AP_FULL | MPU_RASR_XN_Msk);
    arena_rasr = MPU_RASR_ENABLE_Msk | size_field(arena_bytes()) | normal_memory |
                 MPU_RASR_AP_FULL;
    code_subregions = 0;
    write_arena_region();
    set_region(REGION_STACK_GUARD, __job_stack_bottom, MPU_RASR_ENABLE_Msk |
               size_field(MPU_STACK_GUARD_BYTES) | MPU_RASR_AP_NONE | MPU_RASR_XN_Msk);
    MPU_CTRL = MPU_CTRL_ENABLE_Msk | MPU_CTRL_PRIVDEFENA_Msk;
    dsb();
    isb();
}

void mpu_allow_code(const uint8_t *start, uint32_t bytes)
{
    uint32_t segment = mpu_segment_bytes();
    uint32_t first = (uint32_t)(start - __module_arena_start) / segment;
    uint32_t count = (bytes + segment - 1u) / segment;
    for (uint32_t n = first; n < first + count && n < SUBREGIONS; n++) {
        code_subregions |= 1u << n;
    }
    write_arena_region();
}

void mpu_forbid_code(void)
{
    code_subregions = 0;
    write_arena_region();
}
