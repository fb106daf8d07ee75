/* Checks sha256.c against the examples published in FIPS 180-2 (Secure Hash Standard, NIST,
 * 2002), appendix B: B.1, the one-block message "abc", and B.2, the 448-bit two-block message.
 * The second is hashed twice: in one update, then fed in pieces of 1, 2, 3, ... bytes, which
 * must not change the digest. Prints every digest in hex; returns how many of the three
 * matched the published digest. */
#include <stdio.h>
#include <string.h>

#include "sha256.h"

static const char one_block[] = "abc";
static const char two_block[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

static const uint8_t one_block_digest[SHA256_DIGEST_BYTES] = {  /* FIPS 180-2 B.1 */
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
};
static const uint8_t two_block_digest[SHA256_DIGEST_BYTES] = {  /* FIPS 180-2 B.2 */
    0x24, 0x8d, 0x6a, 0x61, 0xd2, 0x06, 0x38, 0xb8, 0xe5, 0xc0, 0x26, 0x93, 0x0c, 0x3e, 0x60, 0x39,
    0xa3, 0x3c, 0xe4, 0x59, 0x64, 0xff, 0x21, 0x67, 0xf6, 0xec, 0xed, 0xd4, 0x19, 0xdb, 0x06, 0xc1,
};

/* Prints the digest and returns 1 when it is the expected one. */
static int check(const char *name, const uint8_t digest[SHA256_DIGEST_BYTES],
                 const uint8_t expected[SHA256_DIGEST_BYTES])
{
    int ok = memcmp(digest, expected, SHA256_DIGEST_BYTES) == 0;
    printf("%s: ", name);
    for (unsigned i = 0; i < SHA256_DIGEST_BYTES; i++) {
        printf("%02x", digest[i]);
    }
    printf(" %s\n", ok ? "ok" : "WRONG");
    return ok;
}

static void hash_whole(const char *message, uint8_t digest[SHA256_DIGEST_BYTES])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, (const uint8_t *)message, strlen(message));
    sha256_final(&ctx, digest);
}

static void hash_in_pieces(const char *message, uint8_t digest[SHA256_DIGEST_BYTES])
{
    struct sha256_ctx ctx;
    uint32_t left = strlen(message), piece = 1;
    const uint8_t *next = (const uint8_t *)message;
    sha256_init(&ctx);
    while (left > 0) {
        uint32_t take = piece < left ? piece : left;
        sha256_update(&ctx, next, take);
        next += take;
        left -= take;
        piece++;
    }
    sha256_final(&ctx, digest);
}

int module_main(void)
{
    uint8_t digest[SHA256_DIGEST_BYTES];
    int matched = 0;
    hash_whole(one_block, digest);
    matched += check("B.1", digest, one_block_digest);
    hash_whole(two_block, digest);
    matched += check("B.2", digest, two_block_digest);
    hash_in_pieces(two_block, digest);
    matched += check("B.2 in pieces", digest, two_block_digest);
    return matched;
}
