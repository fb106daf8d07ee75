/* Reads one word where the test says: firmware RAM (its data and bss, the main stack, the
 * record writer's and console's buffers, which hold other jobs' records and output), a
 * peripheral or a system register. Module code may read only flash, its own module's memory
 * and its stack, so each of these must be a contained fault. */
#include <stdint.h>

int module_main(const volatile uint32_t *address)
{
    return (int)*address; /* only returned when the read was allowed */
}
