/* Exercises a module-triggered system reset (AIRCR.SYSRESETREQ): QEMU runs with -no-reboot,
 * so the reset ends the boot; the harness reports a reset for this job and resumes the batch
 * in a new boot. */
#include <stdint.h>

#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0Cu)
#define AIRCR_VECTKEY (0x05FAu << 16)
#define AIRCR_SYSRESETREQ (1u << 2)

int module_main(void)
{
    SCB_AIRCR = AIRCR_VECTKEY | AIRCR_SYSRESETREQ;
    for (;;) {
    }
}
