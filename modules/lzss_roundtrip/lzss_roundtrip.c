/* Round trip of lzss.c over a device's status report (text with the repetition real
 * configuration and log data has), then the decompressor's defences: every truncation of a
 * stream (that of the report's first TRUNCATED_BYTES, to keep the run short) must give an
 * error or a prefix of the original, a too-small output buffer must be refused, a reference
 * before the start must be refused.
 * Returns (compressed size << 16) | Fletcher-16 of the decompressed bytes, or a negative
 * number naming the first check that failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lzss.h"

static const char report[] =
    "[device]\nname=pump-controller-07\nfirmware=2.4.1\n"
    "[sensor.0]\ntype=temperature\nunit=C\nvalue=21.50\nmin=-40.00\nmax=125.00\n"
    "[sensor.1]\ntype=temperature\nunit=C\nvalue=22.75\nmin=-40.00\nmax=125.00\n"
    "[log]\n00:00:01 INFO  boot complete\n00:00:02 INFO  sensor.0 ok\n"
    "00:00:02 INFO  sensor.1 ok\n00:00:03 WARN  sensor.1 slow\n"
    "========================================\n";

#define TRUNCATED_BYTES 96

enum failure {
    ROUND_TRIP_SIZE = -1,
    ROUND_TRIP_BYTES = -2,
    TRUNCATION_UNSAFE = -3,
    SHORT_OUTPUT_ACCEPTED = -4,
    BAD_DISTANCE_ACCEPTED = -5,
    NO_MEMORY = -6,
};

static uint32_t fletcher16(const uint8_t *data, uint32_t size)
{
    uint32_t sum1 = 0, sum2 = 0;
    for (uint32_t i = 0; i < size; i++) {
        sum1 = (sum1 + data[i]) % 255u;
        sum2 = (sum2 + sum1) % 255u;
    }
    return (sum2 << 8) | sum1;
}

/* Every proper prefix of the stream decompresses to an error or to a prefix of the original. */
static int truncations_are_safe(const uint8_t *stream, int32_t size, uint8_t *out,
                                const uint8_t *original, uint32_t original_size)
{
    for (int32_t cut = 0; cut < size; cut++) {
        int32_t got = lzss_decompress(stream, (uint32_t)cut, out, original_size);
        if (got >= 0 && ((uint32_t)got > original_size || memcmp(out, original, (uint32_t)got) != 0)) {
            return 0;
        }
    }
    return 1;
}

static int32_t check(const uint8_t *original, uint32_t size, uint8_t *stream, uint8_t *out)
{
    static const uint8_t before_start[] = {0x00, 0x00, 0x10};  /* a reference 2 bytes back, first */
    int32_t packed = lzss_compress(original, size, stream, LZSS_WORST_CASE(size));
    if (packed <= 0 || lzss_decompress(stream, (uint32_t)packed, out, size) != (int32_t)size) {
        return ROUND_TRIP_SIZE;
    }
    if (memcmp(out, original, size) != 0) {
        return ROUND_TRIP_BYTES;
    }
    uint32_t checksum = fletcher16(out, size);
    if (lzss_decompress(stream, (uint32_t)packed, out, size - 1) != LZSS_ERROR_OUTPUT_FULL) {
        return SHORT_OUTPUT_ACCEPTED;
    }
    int32_t short_packed = lzss_compress(original, TRUNCATED_BYTES, stream,
                                         LZSS_WORST_CASE(TRUNCATED_BYTES));
    if (short_packed <= 0 || !truncations_are_safe(stream, short_packed, out, original, size)) {
        return TRUNCATION_UNSAFE;
    }
    if (lzss_decompress(before_start, sizeof before_start, out, size) != LZSS_ERROR_DISTANCE) {
        return BAD_DISTANCE_ACCEPTED;
    }
    printf("lzss: %u -> %d bytes, round trip ok, fletcher16 %04x\n", (unsigned)size, (int)packed,
           (unsigned)checksum);
    return (int32_t)(((uint32_t)packed << 16) | checksum);
}

int module_main(void)
{
    const uint8_t *original = (const uint8_t *)report;
    uint32_t size = sizeof report - 1;
    uint8_t *stream = malloc(LZSS_WORST_CASE(size));
    uint8_t *out = malloc(size);
    int32_t result = stream && out ? check(original, size, stream, out) : NO_MEMORY;
    free(out);
    free(stream);
    return (int)result;
}
