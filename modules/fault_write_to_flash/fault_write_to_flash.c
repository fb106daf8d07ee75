/* Exercises the MPU policy on writes: flash is read-only to module code, so a store into the
 * firmware's flash is MemManage DACCVIOL (with MMFAR), contained. */
#include <stdint.h>

int module_main(void)
{
    *(volatile uint32_t *)0x08000100u = 0x12345678u;
    return 1;
}
