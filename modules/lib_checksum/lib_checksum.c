/* A resident library (the seeds' LIBLOAD model): Fletcher-16, one shared copy that other
 * modules in the same job call into. Its entry is a self-test, so it also runs alone. */
#include <stddef.h>
#include <stdint.h>

static uint32_t calls;

uint16_t fletcher16(const uint8_t *data, size_t length)
{
    uint32_t sum1 = 0;
    uint32_t sum2 = 0;
    for (size_t i = 0; i < length; i++) {
        sum1 = (sum1 + data[i]) % 255u;
        sum2 = (sum2 + sum1) % 255u;
    }
    calls++;
    return (uint16_t)(sum2 << 8 | sum1);
}

/* Modules import functions only: shared state is reached through a function. */
uint32_t checksum_call_count(void)
{
    return calls;
}

int module_main(void)
{
    static const uint8_t abcde[] = {'a', 'b', 'c', 'd', 'e'};
    return fletcher16(abcde, sizeof abcde);
}
