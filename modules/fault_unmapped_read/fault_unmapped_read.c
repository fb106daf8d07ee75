/* Exercises a load from an address with nothing behind it: past the end of flash, inside the
 * window the MPU lets modules read, so the bus (not the MPU) refuses it: a precise BusFault. */
#include <stdint.h>

int module_main(void)
{
    return (int)*(volatile uint32_t *)0x08100000u; /* past both boards' flash */
}
