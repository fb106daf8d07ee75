#include "timing.h"

#include "armv7m.h"
#include "faults.h"
#include "job_call.h"

/* SysTick runs one "program" at a time: free counting (every period 2^24 ticks), or a budget,
 * whose periods are laid out so that a wrap interrupt falls exactly `ticks` after it was armed.
 * The reload register only takes effect at the next wrap, so a program is a sequence of periods:
 * the one loaded at the start, the one written right after the start, then the one the first
 * wrap's interrupt writes (every later period). */
#define FULL_PERIOD (SYSTICK_LOAD_MAX + 1u)
/* A budget of at least a full period is split as first + second + n * FULL_PERIOD with first and
 * second each at least this long, so the reload writes behind them can never be late (a
 * handler running when the first wrap falls delays its interrupt by far less). */
#define MIN_SPLIT_PERIOD (1u << 22)
#define MIN_PERIOD 2u /* a reload of 0 would stop SysTick */
/* The wrap count is 32 bits: longer budgets (over 13 years at 168 MHz) are cut to this. */
#define MAX_BUDGET_TICKS ((uint64_t)(UINT32_MAX - 2u) * FULL_PERIOD)

static timer_source active_source;
static uint64_t systick_base;            /* ticks of earlier programs in this measurement */
static volatile uint32_t program_wraps;  /* wraps since the program started */
static volatile uint64_t program_done;   /* ticks of the program's completed periods */
static volatile uint32_t period_now;     /* the length of the running period */
static uint32_t period_next;             /* what the reload register holds: the next period */
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

/* Stop, then start with a period of `first` ticks, then `second` for the period after it. QEMU
 * keeps the tick phase of a running SysTick across a write to VAL, but starts a stopped one in
 * phase with the instruction that enables it. A wrap still pending from the old program is
 * dropped: it belongs to what was accounted before.
 * The counter loads `first` at its first tick after the start. Only then may the reload
 * register take `second`: QEMU 7.2 (-icount) runs that first tick after the next instruction,
 * so a `second` written at once made the first period `second` long, one tick more than
 * accounted whenever the two differ (an odd split): on a 25 MHz board, where a tick is 40 ns
 * of an instruction's 64, job code then ran one instruction past some budgets. A split budget
 * therefore waits for that tick, whatever its split (a fixed few instructions more than a
 * budget below one period, the same for every long budget). */
static void systick_program(uint32_t first, uint32_t second, uint32_t expiry)
{
    SYSTICK_CTRL = 0;
    SCB_ICSR = SCB_ICSR_PENDSTCLR_Msk;
    program_wraps = 0;
    program_done = 0;
    period_now = first;
    period_next = second;
    expiry_wrap = expiry;
    SYSTICK_LOAD = first - 1u;
    SYSTICK_VAL = 0;
    SYSTICK_CTRL = SYSTICK_CTRL_CLKSOURCE_Msk | SYSTICK_CTRL_TICKINT_Msk | SYSTICK_CTRL_ENABLE_Msk;
    if (expiry > 1u) { /* a budget split over periods (timing_arm_budget); else second == first */
        while (SYSTICK_VAL == 0u) { /* the first tick has not loaded `first` yet */
        }
    }
    SYSTICK_LOAD = second - 1u; /* taken at the first wrap */
}

static void systick_free(void)
{
    systick_program(FULL_PERIOD, FULL_PERIOD, 0);
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
        systick_program((uint32_t)ticks, (uint32_t)ticks, 1);
        return;
    }
    /* ticks = first + second + full * FULL_PERIOD, first and second in [2^22, 2^24). */
    uint64_t full = (ticks - 2u * MIN_SPLIT_PERIOD) / FULL_PERIOD;
    uint32_t split = (uint32_t)(ticks - full * FULL_PERIOD);
    systick_program(split / 2u, split - split / 2u, (uint32_t)full + 2u);
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
    period_now = period_next;
    if (period_next != FULL_PERIOD) { /* from the period after this one on: full periods */
        SYSTICK_LOAD = FULL_PERIOD - 1u;
        period_next = FULL_PERIOD;
    }
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
