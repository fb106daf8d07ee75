/* What makes this an application image rather than a module: a vector table first in the image
 * (module.toml kind = "application" puts section .app_vectors at its start), naming the
 * application's own stack and its reset handler, as a part's startup file does. The firmware
 * checks the table, sets VTOR to it, loads SP from word 0 and calls word 1 (README.md, "Adding a
 * module"); the reset handler's return value is the job's. The loader has already copied .data
 * and zeroed .bss (the module file carries them), so unlike a startup file on a part it need
 * not. */
#include <stdint.h>

#include "application.h"

#define STACK_BYTES 1024u

/* The application's own stack, in its bss: the table's initial SP is its top. */
static uint64_t stack[STACK_BYTES / sizeof(uint64_t)];

int Reset_Handler(void)
{
    return application_main();
}

/* The application's handlers for the system exceptions. While it runs under the firmware these
 * entries are the firmware's (it contains the application through them), so this never runs. */
static void Default_Handler(void)
{
    for (;;) {
    }
}

typedef void (*vector)(void);

__attribute__((section(".app_vectors"), used))
const vector application_vectors[16] = {
    [0] = (vector)(uintptr_t)&stack[STACK_BYTES / sizeof(uint64_t)],
    [1] = (vector)Reset_Handler,
    [2] = Default_Handler,  /* NMI */
    [3] = Default_Handler,  /* HardFault */
    [4] = Default_Handler,  /* MemManage */
    [5] = Default_Handler,  /* BusFault */
    [6] = Default_Handler,  /* UsageFault */
    [11] = Default_Handler, /* SVCall */
    [12] = Default_Handler, /* DebugMonitor */
    [14] = Default_Handler, /* PendSV */
    [15] = Default_Handler, /* SysTick */
};
