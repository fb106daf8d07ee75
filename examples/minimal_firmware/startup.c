/* Reset, the vector table and the one fault handler. The memory symbols come from
 * boards/sections.ld. */
#include <stdint.h>

#include "records.h"
#include "semihost.h"

#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define CPACR_CP10_CP11_FULL (0xFu << 20)
#define EXIT_FIRMWARE_FAULT 3u /* PROTOCOL.md, "Exit status" */

extern uint32_t __stack_top, __data_start, __data_end, __data_load, __bss_start, __bss_end;

int main(void);
void Reset_Handler(void);
void Fault_Handler(void);

typedef void (*vector)(void);

/* The system exceptions only: the firmware enables no interrupt. Every fault, and any
 * exception nobody asked for, ends the boot in Fault_Handler. */
__attribute__((section(".isr_vector"), used))
static const vector vector_table[16] = {
    [0] = (vector)&__stack_top,
    [1] = Reset_Handler,
    [2 ... 15] = Fault_Handler,
};

void Reset_Handler(void)
{
#if defined(__ARM_FP)
    SCB_CPACR |= CPACR_CP10_CP11_FULL; /* before any code the compiler may give FP instructions */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    const uint32_t *src = &__data_load;
    for (uint32_t *dst = &__data_start; dst < &__data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &__bss_start; dst < &__bss_end;) {
        *dst++ = 0;
    }
    main();
    for (;;) {
    }
}

/* Nothing is contained here: a fault in a module is a fault of the whole firmware (README.md
 * beside this file). Say which exception it was, then end the boot as PROTOCOL.md says a
 * firmware fault does. ARMv6-M has no fault status registers: 0 for both, as PROTOCOL.md has
 * it. */
void Fault_Handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    rec_begin("fault");
    rec_word("job", "-");
    rec_u32("exc", ipsr & 0x1FFu);
#if defined(__ARM_ARCH_6M__)
    rec_hex("cfsr", 0);
    rec_hex("hfsr", 0);
#else
    rec_hex("cfsr", SCB_CFSR);
    rec_hex("hfsr", SCB_HFSR);
#endif
    rec_end();
    rec_begin("exit");
    rec_u32("status", EXIT_FIRMWARE_FAULT);
    rec_end();
    rec_flush();
    sh_exit(EXIT_FIRMWARE_FAULT);
}
