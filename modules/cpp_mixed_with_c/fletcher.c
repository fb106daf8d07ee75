/* cpp_mixed_with_c, the C half: Fletcher-16 over a buffer, each byte first passed through
 * a transform the C++ half defines with C linkage, so calls go both ways across the
 * languages. */
#include <stddef.h>
#include <stdint.h>

#include "mixed.h"

uint16_t fletcher16(const uint8_t *data, size_t length)
{
    uint16_t sum1 = 0;
    uint16_t sum2 = 0;
    for (size_t i = 0; i < length; i++) {
        sum1 = (uint16_t)((sum1 + transform_byte(data[i])) % 255u);
        sum2 = (uint16_t)((sum2 + sum1) % 255u);
    }
    return (uint16_t)(sum2 << 8 | sum1);
}

/* A C global the C++ half reads and writes. */
int c_calls;
