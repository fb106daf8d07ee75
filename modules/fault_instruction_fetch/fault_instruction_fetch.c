/* Exercises a jump to executable space with nothing behind it (past the end of flash, inside
 * the window the MPU lets modules execute): the instruction fetch fails: BusFault IBUSERR. */
#include <stdint.h>

int module_main(void)
{
    return ((int (*)(void))(uintptr_t)0x08100001u)();
}
