/* Benchmark: bitwise CRC-32 (IEEE, as zlib) over a 256-byte buffer the module fills itself.
 * Its run phase tracks plain computation. */
#include <stdint.h>

static uint8_t buffer[256];

int module_main(void)
{
    for (unsigned i = 0; i < sizeof buffer; i++) {
        buffer[i] = (uint8_t)(i * 7u + 3u);
    }
    uint32_t crc = 0xFFFFFFFFu;
    for (unsigned i = 0; i < sizeof buffer; i++) {
        crc ^= buffer[i];
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return (int)~crc;
}
