/* The application's work, plain C that runs the same on the host (tests/unit/
 * test_application_host.py): CRC-32 of "123456789" with a table it builds at run time in its
 * bss, from a polynomial in its data, so a wrong start-up (data not copied, bss not zeroed)
 * shows in the result. */
#include <stdint.h>
#include <stdio.h>

#include "application.h"

static uint32_t reflected_polynomial = 0xEDB88320u; /* .data: must arrive initialised */
static uint32_t table[256];                         /* .bss: must arrive zeroed */
static int table_built;                             /* .bss */

static void build_table(void)
{
    for (uint32_t n = 0; n < 256u; n++) {
        uint32_t c = n;
        for (int bit = 0; bit < 8; bit++) {
            c = (c & 1u) ? (c >> 1) ^ reflected_polynomial : c >> 1;
        }
        table[n] = c;
    }
    table_built = 1;
}

static uint32_t crc32(const char *text)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (; *text != '\0'; text++) {
        crc = table[(crc ^ (uint8_t)*text) & 0xFFu] ^ (crc >> 8);
    }
    return crc ^ 0xFFFFFFFFu;
}

int application_main(void)
{
    if (!table_built) { /* bss arrived zeroed */
        build_table();
    }
    uint32_t crc = crc32("123456789");
    printf("application image: CRC-32 of \"123456789\" is %08x\n", (unsigned)crc);
    return (int)crc;
}
