/* too_big_for_m3: a module whose image (mostly a 6000-byte .bss buffer) is larger than the
 * Cortex-M3 board's 4 KiB module arena. The M4F loads and runs it; the M3 loader must reject
 * it with no_memory instead of overrunning RAM. */
#include <stdint.h>

static uint8_t buffer[6000];

int module_main(void)
{
    uint32_t sum = 0;
    uint32_t i;

    for (i = 0; i < sizeof buffer; i++)
        buffer[i] = (uint8_t)(i * 7u + 3u);
    for (i = 0; i < sizeof buffer; i++)
        sum += buffer[i] * (i % 5u + 1u);
    return (int)sum;
}
