/* Formats each case of format_cases.h with fmt_snprintf into a buffer of the case's size and
 * prints the returned length and what the buffer holds. Returns an FNV-1a hash of every
 * length and buffer. Built with -Dfmt_snprintf=snprintf and without fmt.c, the same file
 * shows what the C library prints (tests/unit/test_real_modules.py). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "format_cases.h"

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static uint32_t hash_byte(uint32_t hash, uint8_t byte)
{
    return (hash ^ byte) * FNV_PRIME;
}

static uint32_t report(uint32_t hash, unsigned index, int length, const char *buffer)
{
    printf("%2u: %2d [%s]\n", index, length, buffer);
    hash = hash_byte(hash, (uint8_t)length);
    for (const char *p = buffer; *p; p++) {
        hash = hash_byte(hash, (uint8_t)*p);
    }
    return hash_byte(hash, 0);
}

int module_main(void)
{
    uint32_t hash = FNV_OFFSET;
    unsigned index = 0;
    char buffer[FORMAT_MAX_SIZE];    /* one for all cases: small enough for the job stack */
#define RUN_CASE(size, ...)                                                        \
    {                                                                              \
        memset(buffer, 0, sizeof buffer);  /* a size-0 case still has "" to print */ \
        int length = fmt_snprintf((size) ? buffer : NULL, (size), __VA_ARGS__);     \
        hash = report(hash, index++, length, buffer);                              \
    }
    FORMAT_CASES(RUN_CASE)
#undef RUN_CASE
    return (int)hash;
}
