/* Exercises what unprivileged module code cannot do: write the System Control Block. A request
 * for a system reset (AIRCR.SYSRESETREQ) from module code is a BusFault, contained, not a reset
 * (diag:reset shows the reset outcome for privileged code). */
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
