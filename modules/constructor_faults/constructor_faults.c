/* Exercises a fault in a constructor: constructors run as contained job code, so a faulting
 * one ends the job as a fault (not a start-up refusal), and the entry never runs. */
#include <stdint.h>

static int value;

__attribute__((constructor)) static void start(void)
{
    value = (int)*(volatile uint32_t *)BOARD_PAST_FLASH_ADDRESS; /* [addresses] */
}

int module_main(void)
{
    return value;
}
