/* Exercises a jump to executable space with nothing behind it (past the end of flash, inside
 * the window the MPU lets modules execute; BOARD_PAST_FLASH_ADDRESS, from the board file's
 * [addresses]): the instruction fetch fails: BusFault IBUSERR. */
#include <stdint.h>

int module_main(void)
{
    return ((int (*)(void))(uintptr_t)(BOARD_PAST_FLASH_ADDRESS | 1u))(); /* Thumb bit set */
}
