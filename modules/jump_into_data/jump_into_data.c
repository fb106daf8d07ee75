/* Exercises the MPU policy: the module's .data is execute-never, so a call into it (here a
 * valid Thumb "bx lr", which would simply return) is MemManage IACCVIOL, contained. */
#include <stdint.h>

static uint16_t code_in_data[2] = {0x4770, 0x4770}; /* bx lr; bx lr */

int module_main(void)
{
    int (*call)(void) = (int (*)(void))((uintptr_t)code_in_data | 1u);
    return call();
}
