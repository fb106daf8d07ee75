/* LZSS codec (format in lzss.h). The compressor finds the longest match by a plain search of
 * the window: no hash chains, no extra RAM, slow but fine for the few hundred bytes a
 * configuration block or a log record holds. The decompressor checks every reference
 * against what it has produced and every write against the output's size, so a damaged
 * stream gives an error, never a write out of bounds. */
#include "lzss.h"

struct match {
    uint32_t distance;
    uint32_t length;
};

/* The longest earlier occurrence of in[pos...] within the window; length 0 if none is long
 * enough to pay for a reference. The nearest wins a tie, as it is the cheapest to verify. */
static struct match longest_match(const uint8_t *in, uint32_t in_size, uint32_t pos)
{
    struct match best = {0, 0};
    uint32_t limit = in_size - pos < LZSS_MAX_MATCH ? in_size - pos : LZSS_MAX_MATCH;
    uint32_t start = pos > LZSS_WINDOW ? pos - LZSS_WINDOW : 0;
    for (uint32_t candidate = pos; candidate-- > start;) {
        uint32_t length = 0;
        while (length < limit && in[candidate + length] == in[pos + length]) {
            length++;
        }
        if (length > best.length) {
            best.distance = pos - candidate;
            best.length = length;
            if (length == limit) {
                break;
            }
        }
    }
    if (best.length < LZSS_MIN_MATCH) {
        best.length = 0;
    }
    return best;
}

int32_t lzss_compress(const uint8_t *in, uint32_t in_size, uint8_t *out, uint32_t out_size)
{
    uint32_t pos = 0, written = 0, flags_at = 0;
    unsigned item = 8;                     /* items in the current group; 8 = start a new one */
    while (pos < in_size) {
        if (item == 8) {
            if (written >= out_size) {
                return LZSS_ERROR_OUTPUT_FULL;
            }
            flags_at = written++;
            out[flags_at] = 0;
            item = 0;
        }
        struct match match = longest_match(in, in_size, pos);
        uint32_t need = match.length ? 2 : 1;
        if (out_size - written < need) {
            return LZSS_ERROR_OUTPUT_FULL;
        }
        if (match.length) {
            uint32_t code = ((match.distance - 1) << 4) | (match.length - LZSS_MIN_MATCH);
            out[written++] = (uint8_t)(code >> 8);
            out[written++] = (uint8_t)code;
            pos += match.length;
        } else {
            out[flags_at] |= (uint8_t)(1u << item);
            out[written++] = in[pos++];
        }
        item++;
    }
    return (int32_t)written;
}

int32_t lzss_decompress(const uint8_t *in, uint32_t in_size, uint8_t *out, uint32_t out_size)
{
    uint32_t read = 0, written = 0;
    while (read < in_size) {
        uint8_t flags = in[read++];
        for (unsigned item = 0; item < 8 && read < in_size; item++) {
            if (flags & (1u << item)) {
                if (written >= out_size) {
                    return LZSS_ERROR_OUTPUT_FULL;
                }
                out[written++] = in[read++];
                continue;
            }
            if (in_size - read < 2) {
                return LZSS_ERROR_TRUNCATED;
            }
            uint32_t code = ((uint32_t)in[read] << 8) | in[read + 1];
            read += 2;
            uint32_t distance = (code >> 4) + 1, length = (code & 15u) + LZSS_MIN_MATCH;
            if (distance > written) {
                return LZSS_ERROR_DISTANCE;
            }
            if (out_size - written < length) {
                return LZSS_ERROR_OUTPUT_FULL;
            }
            /* Byte by byte, front to back: an overlapping reference repeats what it has just
             * written, which memmove would not. */
            for (uint32_t i = 0; i < length; i++, written++) {
                out[written] = out[written - distance];
            }
        }
    }
    return (int32_t)written;
}
