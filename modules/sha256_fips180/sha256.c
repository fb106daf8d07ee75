/* SHA-256 (FIPS 180-2, section 6.2) for small cores: the message schedule is kept as a
 * rolling window of 16 words (64 bytes of stack rather than 256), the block is hashed as
 * soon as it is full, and the digest is written big-endian byte by byte, so the code does
 * not depend on the host's byte order. */
#include "sha256.h"

/* FIPS 180-2 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
 * 64 primes. */
static const uint32_t round_constants[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u,
    0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
    0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u,
    0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
    0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au,
    0x5b9cca4fu, 0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

/* FIPS 180-2 5.3.2: the first 32 bits of the fractional parts of the square roots of the
 * first 8 primes. */
static const uint32_t initial_state[8] = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
};

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32u - n));
}

/* The functions of FIPS 180-2 4.1.2. */
static uint32_t ch(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (~x & z); }
static uint32_t maj(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (x & z) ^ (y & z); }
static uint32_t big_sigma0(uint32_t x) { return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22); }
static uint32_t big_sigma1(uint32_t x) { return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25); }
static uint32_t small_sigma0(uint32_t x) { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
static uint32_t small_sigma1(uint32_t x) { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void hash_block(uint32_t state[8], const uint8_t block[SHA256_BLOCK_BYTES])
{
    uint32_t w[16];
    uint32_t v[8];  /* a..h */
    for (unsigned i = 0; i < 8; i++) {
        v[i] = state[i];
    }
    for (unsigned t = 0; t < 64; t++) {
        uint32_t word;
        if (t < 16) {
            word = load_be32(&block[4 * t]);
        } else {  /* W[t] from W[t-2], W[t-7], W[t-15], W[t-16], all still in the window */
            word = small_sigma1(w[(t - 2) & 15]) + w[(t - 7) & 15] +
                   small_sigma0(w[(t - 15) & 15]) + w[t & 15];
        }
        w[t & 15] = word;
        uint32_t t1 = v[7] + big_sigma1(v[4]) + ch(v[4], v[5], v[6]) + round_constants[t] + word;
        uint32_t t2 = big_sigma0(v[0]) + maj(v[0], v[1], v[2]);
        for (unsigned i = 7; i > 0; i--) {
            v[i] = v[i - 1];
        }
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (unsigned i = 0; i < 8; i++) {
        state[i] += v[i];
    }
}

void sha256_init(struct sha256_ctx *ctx)
{
    for (unsigned i = 0; i < 8; i++) {
        ctx->state[i] = initial_state[i];
    }
    ctx->total_bytes = 0;
    ctx->buffered = 0;
}

void sha256_update(struct sha256_ctx *ctx, const uint8_t *data, uint32_t length)
{
    ctx->total_bytes += length;
    while (length-- > 0) {
        ctx->block[ctx->buffered++] = *data++;
        if (ctx->buffered == SHA256_BLOCK_BYTES) {
            hash_block(ctx->state, ctx->block);
            ctx->buffered = 0;
        }
    }
}

/* FIPS 180-2 5.1.1: a 1 bit, zeros up to 56 bytes into a block, then the length in bits as a
 * 64-bit big-endian number. */
void sha256_final(struct sha256_ctx *ctx, uint8_t digest[SHA256_DIGEST_BYTES])
{
    uint32_t bits_high = ctx->total_bytes >> 29, bits_low = ctx->total_bytes << 3;
    ctx->block[ctx->buffered++] = 0x80;
    if (ctx->buffered > SHA256_BLOCK_BYTES - 8) {
        while (ctx->buffered < SHA256_BLOCK_BYTES) {
            ctx->block[ctx->buffered++] = 0;
        }
        hash_block(ctx->state, ctx->block);
        ctx->buffered = 0;
    }
    while (ctx->buffered < SHA256_BLOCK_BYTES - 8) {
        ctx->block[ctx->buffered++] = 0;
    }
    for (unsigned i = 0; i < 4; i++) {
        ctx->block[56 + i] = (uint8_t)(bits_high >> (24 - 8 * i));
        ctx->block[60 + i] = (uint8_t)(bits_low >> (24 - 8 * i));
    }
    hash_block(ctx->state, ctx->block);
    for (unsigned i = 0; i < SHA256_DIGEST_BYTES; i++) {
        digest[i] = (uint8_t)(ctx->state[i / 4] >> (24 - 8 * (i % 4)));
    }
}
