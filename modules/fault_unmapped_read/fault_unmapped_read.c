/* Exercises a load from an address with nothing behind it: past the end of flash (the board's
 * BOARD_PAST_FLASH_ADDRESS), which the MPU lets modules read, so the bus refuses it: BusFault. */
#include <stdint.h>

int module_main(void)
{
    return (int)*(volatile uint32_t *)BOARD_PAST_FLASH_ADDRESS;
}
