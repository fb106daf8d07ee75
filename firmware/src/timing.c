#include "timing.h"

#include "armv7m.h"

static timer_source active_source;
static volatile uint32_t systick_wraps;
static uint32_t dwt_high;     /* upper 32 bits of the 64-bit DWT count */
static uint32_t dwt_last_low;

/* DWT CYCCNT is optional in ARMv7-M and QEMU does not count it: try it and see. */
static int dwt_counts(void)
{
    COREDEBUG_DEMCR |= COREDEBUG_DEMCR_TRCENA_Msk;
    DWT_CYCCNT = 0;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA_Msk;
    uint32_t before = DWT_CYCCNT;
    for (volatile int i = 0; i < 16; i++) {
    }
    return DWT_CYCCNT != before;
}

/* Stop, then start: QEMU keeps the tick phase of a running SysTick across a write to VAL, but
 * starts a stopped one in phase with the instruction that enables it. */
static void systick_start(void)
{
    SYSTICK_CTRL = 0;
    systick_wraps = 0;
    SYSTICK_LOAD = SYSTICK_LOAD_MAX;
    SYSTICK_VAL = 0;
    SYSTICK_CTRL = SYSTICK_CTRL_CLKSOURCE_Msk | SYSTICK_CTRL_TICKINT_Msk | SYSTICK_CTRL_ENABLE_Msk;
}

timer_source timing_init(void)
{
    active_source = dwt_counts() ? TIMER_DWT : TIMER_SYSTICK;
    if (active_source == TIMER_SYSTICK) {
        systick_start();
    }
    return active_source;
}

void timing_restart(void)
{
    if (active_source == TIMER_DWT) {
        DWT_CYCCNT = 0;
        dwt_high = 0;
        dwt_last_low = 0;
    } else {
        systick_start();
    }
}

const char *timing_source_name(timer_source source)
{
    return source == TIMER_DWT ? "dwt" : "systick";
}

void SysTick_Handler(void)
{
    systick_wraps++;
}

static uint64_t systick_now(void)
{
    uint32_t wraps;
    uint32_t value;
    /* Re-read if the wrap interrupt ran between the two reads. */
    do {
        wraps = systick_wraps;
        value = SYSTICK_VAL;
    } while (wraps != systick_wraps);
    uint64_t per_wrap = (uint64_t)SYSTICK_LOAD_MAX + 1u;
    return (uint64_t)wraps * per_wrap + (SYSTICK_LOAD_MAX - value);
}

static uint64_t dwt_now(void)
{
    uint32_t low = DWT_CYCCNT;
    if (low < dwt_last_low) {
        dwt_high++; /* assumes a reading at least every 2^32 cycles, as the job runner does */
    }
    dwt_last_low = low;
    return ((uint64_t)dwt_high << 32) | low;
}

uint64_t timing_now(void)
{
    return active_source == TIMER_DWT ? dwt_now() : systick_now();
}
