/* Exercises the MPU policy: all SRAM outside the module's code is execute-never, here the job
 * stack (the firmware's RAM), so a call into a local array is MemManage IACCVIOL, contained. */
#include <stdint.h>

int module_main(void)
{
    volatile uint16_t code_on_stack[2] = {0x4770, 0x4770}; /* bx lr */
    int (*call)(void) = (int (*)(void))((uintptr_t)code_on_stack | 1u);
    return call();
}
