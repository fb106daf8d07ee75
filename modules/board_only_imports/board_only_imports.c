/* Exercises an import that only one board exports: netduinoplus2 carries strstr and memchr,
 * stm32vldiscovery does not, so the same module resolves on one board and is refused on the
 * other with both names reported. `skip` comes from the job so gcc cannot fold the calls. */
#include <string.h>

static const char text[] = "speed=1200 baud";

int module_main(int skip)
{
    const char *number = strstr(text + skip, "d=");
    if (number == NULL) {
        return -1;
    }
    const char *space = memchr(number, ' ', sizeof text - (size_t)(number - text));
    if (space == NULL) {
        return -2;
    }
    return (int)(space - text) * 100 + (int)(number - text);
}
