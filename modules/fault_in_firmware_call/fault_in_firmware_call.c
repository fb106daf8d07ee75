/* Exercises a fault inside a firmware function the module called (strlen on a bad pointer):
 * the fault is in firmware code but in the module's call, so it is the module's job that
 * faults, contained, and the report names strlen in the firmware. The pointer is past the end
 * of the board's flash (BOARD_PAST_FLASH_ADDRESS, from the board file's [addresses]). */
#include <string.h>

int module_main(void)
{
    return (int)strlen((const char *)BOARD_PAST_FLASH_ADDRESS);
}
