/* Exercises a fault in a constructor: constructors run as contained job code, so a faulting
 * one ends the job as a fault (not a start-up refusal), and the entry never runs. */
#include <stdint.h>

static int value;

__attribute__((constructor)) static void start(void)
{
    value = (int)*(volatile uint32_t *)0x08100000u;
}

int module_main(void)
{
    return value;
}
