#include "cache.h"

#include "armv7m.h"

#if defined(BOARD_CORE_CORTEX_M7)

#define CPUID_PARTNO(cpuid) (((cpuid) >> 4) & 0xFFFu)
#define CPUID_PART_CORTEX_M7 0xC27u

static uint32_t lines_synced;

/* By the core, not by CLIDR: QEMU 7.2's Cortex-M7 reads CLIDR, CTR and CCSIDR as 0 though the
 * silicon has caches (QEMU accepts the maintenance operations and does nothing). */
int cache_present(void)
{
    return CPUID_PARTNO(SCB_CPUID) == CPUID_PART_CORTEX_M7;
}

/* Bits a way number is shifted by in DCISW: the top bits, as many as the ways need. */
static uint32_t way_shift(uint32_t ways)
{
    uint32_t bits = 0;
    while ((1u << bits) < ways) {
        bits++;
    }
    return 32u - bits;
}

/* Every line of the L1 D-cache by set and way, from the geometry CCSIDR gives (QEMU: 0, one
 * set of one way). */
static void invalidate_data_cache(void)
{
    SCB_CSSELR = SCB_CSSELR_L1_DATA;
    dsb();
    uint32_t ccsidr = SCB_CCSIDR;
    uint32_t sets = SCB_CCSIDR_SETS(ccsidr);
    uint32_t ways = SCB_CCSIDR_WAYS(ccsidr);
    uint32_t set_shift = (ccsidr & 7u) + 4u; /* log2 of the line's bytes */
    uint32_t shift = way_shift(ways);
    for (uint32_t set = 0; set < sets; set++) {
        for (uint32_t way = 0; way < ways; way++) {
            uint32_t way_field = ways > 1u ? way << shift : 0u; /* one way: no way bits */
            SCB_DCISW = way_field | (set << set_shift);
        }
    }
    dsb();
}

void cache_enable_at_reset(void)
{
    if (!cache_present()) {
        return;
    }
    dsb();
    isb();
    SCB_ICIALLU = 0u;
    invalidate_data_cache();
    SCB_CCR |= SCB_CCR_IC_Msk | SCB_CCR_DC_Msk;
    dsb();
    isb();
}

static void sync_code(void *context, const void *start, uint32_t bytes)
{
    (void)context;
    uintptr_t first = (uintptr_t)start & ~(uintptr_t)(CACHE_LINE_BYTES - 1u);
    uintptr_t end = (uintptr_t)start + bytes;
    for (uintptr_t line = first; line < end; line += CACHE_LINE_BYTES) {
        SCB_DCCMVAU = (uint32_t)line;
        lines_synced++;
    }
    dsb(); /* the cleaned lines reach memory before the I-cache refetches them */
    for (uintptr_t line = first; line < end; line += CACHE_LINE_BYTES) {
        SCB_ICIMVAU = (uint32_t)line;
    }
    /* The loader's own DSB and ISB follow (loader_link). */
}

cache_sync_fn *cache_sync_hook(void)
{
    return cache_present() ? sync_code : NULL;
}

void cache_count_clear(void)
{
    lines_synced = 0;
}

uint32_t cache_lines_counted(void)
{
    return lines_synced;
}

#endif
