/* AES-128 block cipher (FIPS-197): one 16-byte block at a time, no mode of operation. */
#ifndef AES128_H
#define AES128_H

#include <stdint.h>

#define AES128_KEY_BYTES 16
#define AES128_BLOCK_BYTES 16
#define AES128_ROUNDS 10

struct aes128_ctx {
    uint8_t round_keys[AES128_BLOCK_BYTES * (AES128_ROUNDS + 1)];  /* the expanded key */
};

void aes128_init(struct aes128_ctx *ctx, const uint8_t key[AES128_KEY_BYTES]);
void aes128_encrypt(const struct aes128_ctx *ctx, const uint8_t in[AES128_BLOCK_BYTES],
                    uint8_t out[AES128_BLOCK_BYTES]);
void aes128_decrypt(const struct aes128_ctx *ctx, const uint8_t in[AES128_BLOCK_BYTES],
                    uint8_t out[AES128_BLOCK_BYTES]);

#endif
