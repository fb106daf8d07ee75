/* Exercises a load from an address with nothing behind it: a precise BusFault, contained. */
#include <stdint.h>

int module_main(void)
{
    return (int)*(volatile uint32_t *)0x60000000u; /* FSMC bank 1: not enabled on these parts */
}
