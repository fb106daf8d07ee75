/* SHA-256 (FIPS 180-2), streaming: init, update with any number of bytes, final. */
#ifndef SHA256_H
#define SHA256_H

#include <stdint.h>

#define SHA256_BLOCK_BYTES 64
#define SHA256_DIGEST_BYTES 32

struct sha256_ctx {
    uint32_t state[8];                  /* H0..H7 */
    uint32_t total_bytes;               /* message length so far; 4 GiB is plenty here */
    uint32_t buffered;                  /* bytes waiting in block[] */
    uint8_t block[SHA256_BLOCK_BYTES];
};

void sha256_init(struct sha256_ctx *ctx);
void sha256_update(struct sha256_ctx *ctx, const uint8_t *data, uint32_t length);
void sha256_final(struct sha256_ctx *ctx, uint8_t digest[SHA256_DIGEST_BYTES]);

#endif
