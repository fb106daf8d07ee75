/* The firmware's time source, in ticks of the core clock, or instructions under QEMU.
 * DWT CYCCNT is used where it counts (silicon); QEMU leaves it at 0, so there SysTick, free
 * running from the core clock with a wrap counter, provides the ticks. Under QEMU's
 * -icount the readings are the same on every run. */
#ifndef TIMING_H
#define TIMING_H

#include <stdint.h>

typedef enum { TIMER_SYSTICK, TIMER_DWT } timer_source;

/* Select and start the time source. Call once, with interrupts enabled afterwards. */
timer_source timing_init(void);

const char *timing_source_name(timer_source source);

/* The instruction time the host runs the guest at (the job list's timing directive, ns per
 * instruction, dividing 10^9), so that the count is in instructions; 0: the count is ticks. */
void timing_set_instruction_ns(uint32_t ns);
uint32_t timing_instruction_ns(void);

/* At the start of every job: SysTick started afresh, so that where its wraps fall inside the
 * job depends only on the job. A phase's figure is timing_since() its timing_mark(). */
void timing_begin_job(void);

/* Arm a budget: SysTick interrupts exactly `ticks` ticks from now (at least 2), and its handler
 * stops the job code if job_call_budget_live() says it still runs. The measurement goes on. */
void timing_arm_budget(uint64_t ticks);

/* The budget's code is back: its expiry no longer stops anything. Returns the ticks since
 * timing_arm_budget. */
uint64_t timing_disarm_budget(void);

/* A reading, taken with nothing computed after it, so that a window's figure holds no work of
 * the measurement's own but the reading. */
typedef struct {
    uint64_t closed_count;
    uint64_t closed_ticks;
    uint64_t ticks;
} timing_stamp;

timing_stamp timing_mark(void);

/* The count from `start` to now: instructions (given the instruction time) or ticks. */
uint64_t timing_since(const timing_stamp *start);

/* SysTick exception handler: the wrap counter, and the budget. */
void SysTick_Handler(void);

#endif
