/* Exercises a load from an address with nothing behind it: past the end of flash, inside the
 * window the MPU lets modules read, so the bus (not the MPU) refuses it: a precise BusFault.
 * BOARD_PAST_FLASH_ADDRESS comes from the board file's [addresses]. */
#include <stdint.h>

int module_main(void)
{
    return (int)*(volatile uint32_t *)BOARD_PAST_FLASH_ADDRESS;
}
