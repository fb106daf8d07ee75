/* Reset and the vector table. The memory symbols come from boards/sections.ld. */
#include <stdint.h>

#include "armv7m.h"
#include "cache.h"
#include "faults.h"
#include "timing.h"

void SVC_Handler(void); /* job_call.c */

extern uint32_t __stack_top;
extern uint32_t __data_start, __data_end, __data_load;
extern uint32_t __bss_start, __bss_end;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

int main(void);
void Reset_Handler(void);
void Default_Handler(void);

/* System exceptions 1-15, then external interrupts. The firmware enables no peripheral
 * interrupt; 96 slots cover both chips (STM32F405: 82, STM32F100: 61), so a stray one lands in
 * Default_Handler rather than at an address read from code. */
#define EXTERNAL_IRQ_SLOTS 96

typedef void (*vector)(void);

__attribute__((section(".isr_vector"), used))
static const vector vector_table[16 + EXTERNAL_IRQ_SLOTS] = {
    [0] = (vector)&__stack_top,
    [1] = Reset_Handler,
    [2] = Default_Handler,      /* NMI */
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [11] = SVC_Handler,         /* job code coming back (job_call.c) */
    [12] = Default_Handler,     /* DebugMonitor */
    [14] = Default_Handler,     /* PendSV */
    [15] = SysTick_Handler,
    [16 ... 16 + EXTERNAL_IRQ_SLOTS - 1] = Default_Handler,
};

/* An exception nobody asked for is a firmware bug: treat it as a fault so it is reported. */
void Default_Handler(void)
{
    HardFault_Handler();
}

static void fpu_enable(void)
{
#if defined(__ARM_FP)
    SCB_CPACR |= SCB_CPACR_CP10_CP11_FULL;
    dsb();
    isb();
#endif
}

void Reset_Handler(void)
{
    fpu_enable(); /* before any code that the compiler may give FP instructions */
    cache_enable_at_reset(); /* before .data and .bss go through the D-cache */
    const uint32_t *src = &__data_load;
    for (uint32_t *dst = &__data_start; dst < &__data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &__bss_start; dst < &__bss_end;) {
        *dst++ = 0;
    }
    for (void (**ctor)(void) = __init_array_start; ctor < __init_array_end; ctor++) {
        (*ctor)();
    }
    main();
    for (;;) {
    }
}
