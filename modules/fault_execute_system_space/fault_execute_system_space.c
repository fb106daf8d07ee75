/* Exercises a jump into the System region (0xE0000000 up), which the default memory map makes
 * execute-never: MemManage IACCVIOL, even with the MPU off. */
#include <stdint.h>

int module_main(void)
{
    return ((int (*)(void))(uintptr_t)0xE0000001u)();
}
