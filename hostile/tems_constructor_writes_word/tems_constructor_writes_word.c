/* A TEMS module whose constructor writes one word of firmware state: the heap's bookkeeping
 * (which the firmware's privileged ModuleInfo builder would then trust with where to write),
 * the record writer's line length, the main stack. Constructors get no arguments, so the test
 * passes the address and value as -DADDRESS= and -DVALUE= from the firmware ELF. Module code
 * may write only its own memory: the constructor must fault, contained, before the firmware
 * uses anything it wrote. */
#include <stdint.h>

#ifndef ADDRESS
#define ADDRESS 0 /* built without the test's defines: write nothing */
#define VALUE 0
#endif

__attribute__((constructor)) static void tamper(void)
{
    if (ADDRESS != 0) {
        *(volatile uint32_t *)(uintptr_t)(ADDRESS) = (uint32_t)(VALUE);
    }
}

int _start(void *info, int action)
{
    (void)info;
    return action == 0 ? 0 : 55;
}
