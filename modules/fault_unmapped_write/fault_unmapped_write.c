/* Exercises a store to an address with nothing behind it. On silicon the write buffer makes
 * this an imprecise BusFault (IMPRECISERR, no BFAR); QEMU raises it precisely (PRECISERR). */
#include <stdint.h>

int module_main(void)
{
    *(volatile uint32_t *)0x60000000u = 0x12345678u;
    return 1;
}
