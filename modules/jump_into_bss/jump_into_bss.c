/* Exercises the MPU policy: the module's .bss is execute-never, so a call into it, even after
 * writing a valid "bx lr" there, is MemManage IACCVIOL, contained. */
#include <stdint.h>

static uint16_t code_in_bss[2];

int module_main(void)
{
    code_in_bss[0] = 0x4770; /* bx lr */
    int (*call)(void) = (int (*)(void))((uintptr_t)code_in_bss | 1u);
    return call();
}
