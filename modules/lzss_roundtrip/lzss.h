/* LZSS: a byte-oriented LZ77 codec for small targets. The stream is a sequence of groups: a
 * flag byte, then up to eight items, one per flag bit from the lowest: 1 = a literal byte,
 * 0 = a back-reference of two bytes, `oooooooo oooollll` (big-endian): a distance of 1 to
 * 4096 bytes back (o + 1) and a length of 3 to 18 bytes (l + 3). A reference may overlap
 * the bytes it produces (distance < length repeats them). */
#ifndef LZSS_H
#define LZSS_H

#include <stdint.h>

#define LZSS_MIN_MATCH 3
#define LZSS_MAX_MATCH (LZSS_MIN_MATCH + 15)
#define LZSS_WINDOW 4096

/* The largest stream lzss_compress can make from n bytes: all literals plus the flag bytes. */
#define LZSS_WORST_CASE(n) ((n) + ((n) + 7) / 8)

#define LZSS_ERROR_OUTPUT_FULL (-1)   /* out cannot hold the result */
#define LZSS_ERROR_TRUNCATED (-2)     /* the stream ends inside a back-reference */
#define LZSS_ERROR_DISTANCE (-3)      /* a back-reference points before the start */

/* Each returns the bytes written to out, or one of the negative errors above. */
int32_t lzss_compress(const uint8_t *in, uint32_t in_size, uint8_t *out, uint32_t out_size);
int32_t lzss_decompress(const uint8_t *in, uint32_t in_size, uint8_t *out, uint32_t out_size);

#endif
