#include "timing.h"

#include "armv7m.h"
#include "board_config.h" /* BOARD_CLOCK_HZ */
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
 * periods differed by a tick stopped an instruction late at 20 MHz).
 *
 * A fresh start is dear under QEMU: the counter's load one tick after it is a timer event that
 * QEMU's main loop thread handles while the guest waits. So only a job's start is fresh
 * (timing_begin_job). A budget is armed by resuming: SysTick stopped and enabled again with
 * what VAL held as the first period (QEMU runs a stopped SysTick on from the count it holds,
 * in phase with the enabling instruction, no event at once), its reload register giving the
 * second, and so on; afresh only when what it holds does not fit the budget's periods.
 * Disarming leaves the budget's program running (its expiry is ignored once the code is
 * back). Phases do not restart anything: a phase's figure is the difference of two readings.
 *
 * A reading n instructions into a program is floor(n * r) ticks (r ticks an instruction) but
 * for QEMU's rounding of VAL, which can put it a tick off depending on where in the period it
 * falls. Given the instruction time (the job list's timing directive, PROTOCOL.md), each
 * reading is turned into the instructions that make it, so a figure is in instructions
 * however many programs its phase spans. Every reading, every program start (and so every
 * wrap, an interrupt that costs the job's code instructions) falls at a point of the job's
 * own instruction stream, after the fresh start at its beginning: the figures are the same
 * wherever the job runs, as long as that stream is (the host writes job ids and module file
 * names the same length in every batch for that). */
#define FULL_PERIOD (SYSTICK_LOAD_MAX + 1u)
/* A budget of at least a full period is 2 * first + third + n * BUDGET_PERIOD, first at least
 * MIN_SPLIT_PERIOD, so the reload writes behind the periods can never be late (a handler
 * running when a wrap falls delays its interrupt by far less), and third BUDGET_PERIOD or one
 * less, whichever leaves an even rest to halve. The number of wraps, each an interrupt inside
 * the job's code, then grows with the budget and never jumps back. */
#define MIN_SPLIT_PERIOD (1u << 22)
#define BUDGET_PERIOD (1u << 23)
#define MIN_PERIOD 2u /* a reload of 0 would stop SysTick */
/* A resumed program's first period at least: shorter, and its wrap could fall before the
 * enabling code has returned. */
#define MIN_HELD (1u << 12)
/* The wrap count is 32 bits: longer budgets (over 6 years at 168 MHz) are cut to this. */
#define MAX_BUDGET_TICKS ((uint64_t)(UINT32_MAX - 3u) * BUDGET_PERIOD)

static timer_source active_source;
static uint64_t closed_count;            /* the job's count in the programs it closed */
static uint64_t closed_ticks;            /* ticks of the last program closed, not yet counted */
static uint32_t instruction_ns;          /* the host's instruction time; 0: count ticks */
static volatile uint32_t program_wraps;  /* wraps since the program started */
static volatile uint64_t program_done;   /* ticks of the program's completed periods */
static volatile uint32_t period_now;     /* the length of the running period */
static uint32_t period_next;             /* what the reload register holds: the next period */
static uint32_t period_third;            /* the period after the first two */
static uint32_t period_repeat;           /* every period after the third */
static uint32_t expiry_wrap;             /* the wrap that ends the budget; 0: free counting */
static uint32_t dwt_high;                /* upper 32 bits of the 64-bit DWT count */
static uint32_t dwt_last_low;

/* DWT CYCCNT is optional in ARMv7-M and QEMU does not count it: try it and see. ARMv6-M's DWT
 * has no cycle counter (its address is reserved there): do not touch it. */
static int dwt_counts(void)
{
#if ARCH_V6M
    return 0;
#else
    COREDEBUG_DEMCR |= COREDEBUG_DEMCR_TRCENA_Msk;
    DWT_CYCCNT = 0;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA_Msk;
    uint32_t before = DWT_CYCCNT;
    for (volatile int i = 0; i < 16; i++) {
    }
    return DWT_CYCCNT != before;
#endif
}

/* Stop SysTick, dropping a wrap still pending from the old program (it belongs to what was
 * accounted before); the ticks left in its period, which VAL holds while it is stopped. */
static uint32_t systick_stop(void)
{
    SYSTICK_CTRL = 0;
    SCB_ICSR = SCB_ICSR_PENDSTCLR_Msk;
    return SYSTICK_VAL;
}

static void program_reset(uint32_t first, uint32_t next, uint32_t third, uint32_t repeat,
                          uint32_t expiry)
{
    program_wraps = 0;
    program_done = 0;
    period_now = first;
    period_next = next;
    period_third = third;
    period_repeat = repeat;
    expiry_wrap = expiry;
}

static void systick_enable(void)
{
    SYSTICK_CTRL = SYSTICK_CTRL_CLKSOURCE_Msk | SYSTICK_CTRL_TICKINT_Msk | SYSTICK_CTRL_ENABLE_Msk;
}

/* A fresh program: two periods of `first` ticks, one of `third`, then periods of `repeat`. */
static void systick_program(uint32_t first, uint32_t third, uint32_t repeat, uint32_t expiry)
{
    systick_stop();
    program_reset(first, first, third, repeat, expiry);
    SYSTICK_LOAD = first - 1u;
    SYSTICK_VAL = 0;
    systick_enable();
}

/* A resumed program (SysTick stopped with `held` ticks left in VAL): periods of `held`, `next`,
 * `third`, then `repeat` ticks. */
static void systick_resume(uint32_t held, uint32_t next, uint32_t third, uint32_t repeat,
                           uint32_t expiry)
{
    program_reset(held, next, third, repeat, expiry);
    SYSTICK_LOAD = next - 1u;
    systick_enable();
}

static void systick_free(void)
{
    systick_program(FULL_PERIOD, FULL_PERIOD, FULL_PERIOD, 0);
}

timer_source timing_init(void)
{
    active_source = dwt_counts() ? TIMER_DWT : TIMER_SYSTICK;
    closed_count = 0;
    closed_ticks = 0;
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

void timing_set_instruction_ns(uint32_t ns)
{
    instruction_ns = ns;
}

uint32_t timing_instruction_ns(void)
{
    return instruction_ns;
}

/* SysTick ticks as the job's count: the instructions that make them (the one n with
 * floor(n * r) = ticks: n = ceil(ticks * 10^9 / (clock * ns))), or the ticks themselves. */
static uint64_t count_of_ticks(uint64_t ticks)
{
    if (instruction_ns == 0u) {
        return ticks;
    }
    uint64_t per_second = 1000000000u / instruction_ns; /* instructions a second of virtual time */
    if (ticks <= UINT64_MAX / per_second) {
        return (ticks * per_second + BOARD_CLOCK_HZ - 1u) / BOARD_CLOCK_HZ;
    }
    uint64_t seconds = ticks / BOARD_CLOCK_HZ; /* past 2^64 scaled: over an hour at 168 MHz */
    uint64_t rest = ticks % BOARD_CLOCK_HZ;
    return seconds * per_second + (rest * per_second + BOARD_CLOCK_HZ - 1u) / BOARD_CLOCK_HZ;
}

void timing_begin_job(void)
{
    if (active_source == TIMER_DWT) {
        dwt_restart();
    }
    closed_count = 0;
    closed_ticks = 0;
    systick_free();
}

/* A budget of `ticks` as a fresh program. */
static void budget_fresh(uint64_t ticks)
{
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

/* A budget of held + rest ticks as a resumed program, rest at least MIN_SPLIT_PERIOD. */
static void budget_resumed(uint32_t held, uint64_t rest)
{
    if (rest < FULL_PERIOD) {
        systick_resume(held, (uint32_t)rest, FULL_PERIOD, FULL_PERIOD, 2);
        return;
    }
    /* rest = next + (n + 1) * BUDGET_PERIOD, next in [2^22, 2^22 + 2^23). */
    uint64_t n = (rest - MIN_SPLIT_PERIOD - BUDGET_PERIOD) / BUDGET_PERIOD;
    uint32_t next = (uint32_t)(rest - (n + 1u) * BUDGET_PERIOD);
    systick_resume(held, next, BUDGET_PERIOD, BUDGET_PERIOD, (uint32_t)n + 3u);
}

/* Resumed where the held ticks allow it. A resumed budget has at least two wraps and a fresh
 * one below a full period one, so resuming only while held + MIN_SPLIT_PERIOD is at most a
 * full period keeps the number of wraps growing with the budget. */
void timing_arm_budget(uint64_t ticks)
{
    /* Counted later, outside the window: only another program closing first counts it here
     * (a job's second constructor). */
    if (closed_ticks != 0u) {
        closed_count += count_of_ticks(closed_ticks);
    }
    closed_ticks = program_elapsed();
    if (ticks < MIN_PERIOD) {
        ticks = MIN_PERIOD;
    }
    if (ticks > MAX_BUDGET_TICKS) {
        ticks = MAX_BUDGET_TICKS;
    }
    uint32_t held = systick_stop();
    if (held >= MIN_HELD && held <= FULL_PERIOD - MIN_SPLIT_PERIOD &&
        ticks >= (uint64_t)held + MIN_SPLIT_PERIOD) {
        budget_resumed(held, ticks - held);
    } else {
        budget_fresh(ticks);
    }
}

uint64_t timing_disarm_budget(void)
{
    return program_elapsed();
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

timing_stamp timing_mark(void)
{
    timing_stamp now;
    now.ticks = active_source == TIMER_DWT ? dwt_now() : program_elapsed();
    now.closed_count = closed_count; /* after the reading: a window's end counts none of this */
    now.closed_ticks = closed_ticks;
    return now;
}

/* A stamp as the job's count: the conversions come after the readings, outside the window. */
static uint64_t stamp_count(const timing_stamp *stamp)
{
    if (active_source == TIMER_DWT) {
        return stamp->ticks;
    }
    return stamp->closed_count + count_of_ticks(stamp->closed_ticks) + count_of_ticks(stamp->ticks);
}

uint64_t timing_since(const timing_stamp *start)
{
    timing_stamp now = timing_mark();
    return stamp_count(&now) - stamp_count(start);
}
