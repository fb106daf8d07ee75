#include "timing.h"

#include "armv7m.h"
#include "faults.h"
#include "job_call.h"

static timer_source active_source;
static volatile uint32_t systick_wraps;
static uint32_t systick_reload = SYSTICK_LOAD_MAX;
static uint64_t budget_ticks; /* 0: no budget */
static uint64_t systick_base; /* SysTick ticks counted before its last (re)start this measurement */
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
static void systick_start(uint32_t reload)
{
    SYSTICK_CTRL = 0;
    systick_wraps = 0;
    systick_reload = reload;
    SYSTICK_LOAD = reload;
    SYSTICK_VAL = 0;
    SYSTICK_CTRL = SYSTICK_CTRL_CLKSOURCE_Msk | SYSTICK_CTRL_TICKINT_Msk | SYSTICK_CTRL_ENABLE_Msk;
}

timer_source timing_init(void)
{
    active_source = dwt_counts() ? TIMER_DWT : TIMER_SYSTICK;
    /* SysTick runs either way: it enforces budgets. */
    systick_start(SYSTICK_LOAD_MAX);
    return active_source;
}

static void dwt_restart(void)
{
    DWT_CYCCNT = 0;
    dwt_high = 0;
    dwt_last_low = 0;
}

static uint64_t systick_now(void);

void timing_restart(void)
{
    if (active_source == TIMER_DWT) {
        dwt_restart();
    }
    systick_base = 0;
    systick_start(SYSTICK_LOAD_MAX);
}

void timing_set_budget(uint64_t budget)
{
    budget_ticks = budget;
    if (budget != 0u) {
        /* Wrap exactly when the budget runs out if it fits in SysTick's 24 bits; longer ones
         * are checked every 2^24 ticks. The restart keeps the measurement going: what SysTick
         * counted so far moves into systick_base. */
        uint64_t counted = systick_now();
        systick_start(budget <= SYSTICK_LOAD_MAX ? (uint32_t)budget - 1u : SYSTICK_LOAD_MAX);
        systick_base = counted;
    }
}

const char *timing_source_name(timer_source source)
{
    return source == TIMER_DWT ? "dwt" : "systick";
}

/* Called from SysTick_Handler's entry with the interrupted frame and EXC_RETURN; returns the
 * EXC_RETURN to leave with (another one when it stops job code that ran out of budget). */
__attribute__((used)) uint32_t systick_isr(const uint32_t *frame, uint32_t exc_return);

uint32_t systick_isr(const uint32_t *frame, uint32_t exc_return)
{
    systick_wraps++;
    uint64_t elapsed = (uint64_t)systick_wraps * ((uint64_t)systick_reload + 1u); /* since set */
    if (budget_ticks != 0u && elapsed >= budget_ticks && job_call_interrupted(exc_return)) {
        budget_ticks = 0;
        return faults_report_timeout(frame);
    }
    return exc_return;
}

__attribute__((naked)) void SysTick_Handler(void)
{
    __asm__ volatile(EXCEPTION_ENTRY_ASM(systick_isr));
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
    /* After a start VAL reads 0 until the first tick loads it; it then counts down from the
     * reload value and reaches 0 again at the tick that raises the wrap interrupt. So k ticks
     * in: wraps = k / period and VAL = (period - k % period) % period. */
    uint64_t period = (uint64_t)systick_reload + 1u;
    uint64_t into_period = value == 0u ? 0u : period - value;
    return systick_base + (uint64_t)wraps * period + into_period;
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
