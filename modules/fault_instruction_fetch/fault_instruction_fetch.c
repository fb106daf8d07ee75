/* Exercises a jump to an executable region with nothing behind it (the external memory area
 * at 0x60000000): the instruction fetch fails: BusFault IBUSERR. */
#include <stdint.h>

int module_main(void)
{
    return ((int (*)(void))(uintptr_t)0x60000001u)();
}
