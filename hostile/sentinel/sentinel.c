/* sentinel: the well-behaved module run after every hostile one in the same boot
 * (tests/sim/test_hostile.py). It uses what a hostile job could have left damaged or dirty:
 * static data and bss (reloaded for every job), the heap (malloc, calloc, free), the job stack,
 * the console, and float arithmetic (the FPU on boards that have one, whose FPSCR decides how
 * results round). It returns the CRC-32 of "123456789", 0xcbf43926, the published check value
 * of CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, initial value and final xor all ones),
 * only when every check passes; each failed check returns its own small negative number. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CRC32_POLYNOMIAL 0xEDB88320u /* reflected */
#define TABLE_ENTRIES 256u
#define ZEROED_BYTES 64u

static char check_input[] = "123456789"; /* .data: the loader copies it in for every job */
static uint32_t entries;                 /* .bss: zero after every load */

static uint32_t *build_crc_table(void)
{
    uint32_t *table = malloc(TABLE_ENTRIES * sizeof *table);
    if (table == NULL) {
        return NULL;
    }
    for (uint32_t n = 0; n < TABLE_ENTRIES; n++) {
        uint32_t c = n;
        for (int bit = 0; bit < 8; bit++) {
            c = (c & 1u) ? CRC32_POLYNOMIAL ^ (c >> 1) : c >> 1;
        }
        table[n] = c;
    }
    return table;
}

static uint32_t crc32(const uint32_t *table, const char *text, size_t length)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < length; i++) {
        crc = table[(crc ^ (uint8_t)text[i]) & 0xFFu] ^ (crc >> 8);
    }
    return crc ^ 0xFFFFFFFFu;
}

/* True only with the default FPSCR: round to nearest, ties to even, subnormals kept. A tie
 * (half an ulp of 1.0) rounds down to even, more than half rounds up; towards zero, plus or
 * minus infinity each get one of the two wrong, and flush-to-zero loses the subnormal. */
static int float_rounding_is_default(void)
{
    volatile float one = 1.0f;
    volatile float half_ulp = 0x1p-24f;
    volatile float more_than_half_ulp = 0x1.8p-24f;
    volatile float smallest_subnormal = 0x1p-149f;
    return one + half_ulp == 1.0f && one + more_than_half_ulp == 1.0f + 0x1p-23f &&
           smallest_subnormal * 2.0f == 0x1p-148f;
}

static int calloc_gives_zeros(void)
{
    const volatile uint8_t *block = calloc(ZEROED_BYTES, 1);
    if (block == NULL) {
        return 0;
    }
    for (size_t i = 0; i < ZEROED_BYTES; i++) {
        if (block[i] != 0u) {
            return 0;
        }
    }
    free((void *)(uintptr_t)block);
    return 1;
}

int module_main(void)
{
    if (entries++ != 0u) {
        return -1;
    }
    if (!float_rounding_is_default()) {
        return -2;
    }
    if (!calloc_gives_zeros()) {
        return -3;
    }
    uint32_t *table = build_crc_table();
    if (table == NULL) {
        return -4;
    }
    char on_stack[sizeof check_input];
    memcpy(on_stack, check_input, sizeof on_stack);
    uint32_t from_data = crc32(table, check_input, strlen(check_input));
    uint32_t from_stack = crc32(table, on_stack, strlen(on_stack));
    free(table);
    if (from_data != from_stack) {
        return -5;
    }
    printf("sentinel: crc32 %08x\n", (unsigned)from_data);
    return (int)from_data;
}
