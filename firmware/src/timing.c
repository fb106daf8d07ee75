#include "timing.h"

#include "armv7m.h"
#include "faults.h"
#include "job_call.h"

/* SysTick runs one "program" at a time: free counting (every period 2^24 ticks), or a budget,
 * whose periods are laid out so that a wrap interrupt falls exactly `ticks` after it was armed.
 * The reload register only takes effect at the next wrap, so a program is a sequence of periods:
 * the one loaded at the start twice (the reload register still holds it at the first wrap),
 * the one the first wrap's interrupt writes, then the one the second wrap's interrupt writes
 * (every later period). Nothing is written to the reload register right after the start: QEMU
 * loads the counter at the first instruction boundary after a tick, which can fall behind such
 * a store, and the first period then took the second's length (a budget whose two first
 * periods differed by a tick stopped an instruction late at 20 MHz). */
#define FULL_PERIOD (SYSTICK_LOAD_MAX + 1u)
/* A budget of at least a full period is 2 * first + third + n * BUDGET_PERIOD, first at least
 * MIN_SPLIT_PERIOD, so the reload writes behind the periods can never be late (a handler
 * running when a wrap falls delays its interrupt by far less), and third BUDGET_PERIOD or one
 * less, whichever leaves an even rest to halve. The number of wraps, each an interrupt inside
 * the job's code, then grows with the budget and never jumps back. */
#define MIN_SPLIT_PERIOD (1u << 22)
#define BUDGET_PERIOD (1u << 23)
#define MIN_PERIOD 2u /* a reload of 0 would stop SysTick */
/* The wrap count is 32 bits: longer budgets (over 6 years at 168 MHz) are cut to this. */
#define MAX_BUDGET_TICKS ((uint64_t)(UINT32_MAX - 3u) * BUDGET_PERIOD)

static timer_source active_source;
static uint64_t systick_base;            /* ticks of earlier programs in this measurement */
static volatile uint32_t program_wraps;  /* wraps since the program started */
static volatile uint64_t program_done;   /* ticks of the program's completed periods */
static volatile uint32_t period_now;     /* the length of the running period */
static uint32_t period_next;             /* what the reload register holds: the next period */
static uint32_t period_third;            /* the period after the first two */
static uint32_t period_repeat;           /* every period after the third */
static uint32_t expiry_wrap;             /* the wrap that ends the budget; 0: free counting */
static uint32_t dwt_high;                /* upper 32 bits of the 64-bit DWT count */
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

/* Stop, then start with two periods of `first` ticks, one of `third`, then periods of
 * `repeat`. QEMU keeps the tick phase of a running SysTick across a write to VAL, but starts a
 * stopped one in phase with the instruction that enables it. A wrap still pending from the old
 * program is dropped: it belongs to what was accounted before. */
static void systick_program(uint32_t first, uint32_t third, uint32_t repeat, uint32_t expiry)
{
    SYSTICK_CTRL = 0;
    SCB_ICSR = SCB_ICSR_PENDSTCLR_Msk;
    program_wraps = 0;
    program_done = 0;
    period_now = first;
    period_next = first;
    period_third = third;
    period_repeat = repeat;
    expiry_wrap = expiry;
    SYSTICK_LOAD = first - 1u;
    SYSTICK_VAL = 0;
    SYSTICK_CTRL = SYSTICK_CTRL_CLKSOURCE_Msk | SYSTICK_CTRL_TICKINT_Msk | SYSTICK_CTRL_ENABLE_Msk;
}

static void systick_free(void)
{
    systick_program(FULL_PERIOD, FULL_PERIOD, FULL_PERIOD, 0);
}

timer_source timing_init(void)
{
    active_source = dwt_counts() ? TIMER_DWT : TIMER_SYSTICK;
    systick_base = 0;
    systick_free(); /* SysTick runs either way: it enforces budgets */
    return active_source;
}

/* Ticks of the running program. */
static uint64_t program_elapsed(void)
{
    uint32_t wraps;
    uint64_t done;
    uint32_t period;
    uint32_t value;
    do { /* again if a wrap interrupt ran between the reads */
        wraps = program_wraps;
        done = program_done;
        period = period_now;
        value = SYSTICK_VAL;
    } while (wraps != program_wraps);
    /* After a start VAL reads 0 until the first tick loads it; it then counts down from the
     * reload value and reaches 0 again at the tick that raises the wrap interrupt. So k ticks
     * into a period of p: VAL = (p - k) % p. */
    return done + (value == 0u ? 0u : period - value);
}

static void dwt_restart(void)
{
    DWT_CYCCNT = 0;
    dwt_high = 0;
    dwt_last_low = 0;
}

void timing_restart(void)
{
    if (active_source == TIMER_DWT) {
        dwt_restart();
    }
    systick_base = 0;
    systick_free();
}

void timing_arm_budget(uint64_t ticks)
{
    systick_base += program_elapsed();
    if (ticks < MIN_PERIOD) {
        ticks = MIN_PERIOD;
    }
    if (ticks > MAX_BUDGET_TICKS) {
        ticks = MAX_BUDGET_TICKS;
    }
    if (ticks < FULL_PERIOD) {
        /* Full periods after the expiry: short ones would pend SysTick faster than its
         * handler runs until the budget is disarmed. */
        systick_program((uint32_t)ticks, FULL_PERIOD, FULL_PERIOD, 1);
        return;
    }
    /* ticks = 2 * first + third + n * BUDGET_PERIOD, first in [2^22, 2^22 + 2^22]. */
    uint64_t n = (ticks - 2u * MIN_SPLIT_PERIOD - BUDGET_PERIOD) / BUDGET_PERIOD;
    uint64_t rest = ticks - n * BUDGET_PERIOD;
    uint32_t third = (rest & 1u) == 0u ? BUDGET_PERIOD : BUDGET_PERIOD - 1u;
    systick_program((uint32_t)((rest - third) / 2u), third, BUDGET_PERIOD, (uint32_t)n + 3u);
}

uint64_t timing_disarm_budget(void)
{
    uint64_t used = program_elapsed();
    systick_base += used;
    systick_free();
    return used;
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
    program_wraps++;
    program_done += period_now;
    period_now = period_next; /* the hardware has just loaded it */
    /* Taken at the next wrap; written at every wrap, so that every wrap's interrupt costs the
     * job's code the same instructions. */
    period_next = program_wraps == 1u ? period_third : period_repeat;
    SYSTICK_LOAD = period_next - 1u;
    if (program_wraps == expiry_wrap && job_call_budget_live()) {
        return faults_report_timeout(frame);
    }
    return exc_return;
}

__attribute__((naked)) void SysTick_Handler(void)
{
    __asm__ volatile(EXCEPTION_ENTRY_ASM(systick_isr));
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
    return active_source == TIMER_DWT ? dwt_now() : systick_base + program_elapsed();
}
