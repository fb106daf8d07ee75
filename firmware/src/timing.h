/* The firmware's time source, in ticks of the core clock.
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

/* Start counting from zero again, in phase with this instruction. Every measured phase starts
 * with it, so a figure depends only on the instructions inside the phase: with a counter that
 * ticks less often than instructions run, anything earlier (a longer file name, another job
 * before it in the same boot) would otherwise shift the tick phase by one. */
void timing_restart(void);

/* Arm a budget: SysTick interrupts exactly `ticks` ticks from now (at least 2), and its handler
 * stops the job code if job_call_budget_live() says it still runs. The measurement goes on. */
void timing_arm_budget(uint64_t ticks);

/* Back to plain counting; returns the ticks since timing_arm_budget. */
uint64_t timing_disarm_budget(void);

/* Ticks since timing_init or the last restart; monotonic, 64 bits wide. */
uint64_t timing_now(void);

/* SysTick exception handler: the wrap counter, and the budget. */
void SysTick_Handler(void);

#endif
