/* Exercises the MPU policy on writes: flash is read-only to module code, so a store into the
 * firmware's flash is MemManage DACCVIOL (with MMFAR), contained. */
#include <stdint.h>

int module_main(void)
{
    *(volatile uint32_t *)(BOARD_FLASH_ORIGIN + 0x100u) = 0x12345678u; /* the board's flash */
    return 1;
}
