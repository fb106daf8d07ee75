/* Writes one word where the test says: firmware RAM (its data and bss, the main stack, the
 * canaries, the record writer's and console's buffers, the heap's bookkeeping), a peripheral
 * or a system register. Module code may write only its own module's memory and its stack, so
 * each of these must be a contained fault, and the write must not have happened. */
#include <stdint.h>

int module_main(volatile uint32_t *address, uint32_t value)
{
    *address = value;
    return 1; /* only reached when the write was allowed */
}
