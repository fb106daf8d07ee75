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

/* Ticks since timing_init; monotonic, 64 bits wide. */
uint64_t timing_now(void);

/* SysTick exception handler (wrap counter). */
void SysTick_Handler(void);

#endif
