/* Exercises an import that only one board exports: netduinoplus2 carries strtol and strstr,
 * stm32vldiscovery does not, so the same module resolves on one board and is refused on the
 * other with both names reported. `skip` comes from the job so gcc cannot fold the calls. */
#include <stdlib.h>
#include <string.h>

static const char text[] = "speed=1200 baud";

int module_main(int skip)
{
    const char *number = strstr(text + skip, "d=");
    if (number == NULL) {
        return -1;
    }
    char *end;
    long value = strtol(number + 2, &end, 10);
    return (int)value + (int)(end - text);  /* 1200 + 10 */
}
