/* compiler_runtime: operations the compiler turns into libgcc helpers linked into the
 * module itself: 64-bit signed/unsigned division and modulo (__aeabi_ldivmod,
 * __aeabi_uldivmod), 64-bit shifts and multiply, and single-precision float (soft-float
 * helpers such as __aeabi_fmul and __aeabi_i2f on the M3, FPU instructions on the M4F).
 * All float results are exact, so both boards agree. double is left out on purpose: the
 * soft-double helpers alone would take ~1.6 KiB more of the M3's 4 KiB module arena.
 * Inputs come from the arguments so nothing is folded at compile time. */
#include <stdint.h>

static uint32_t mix(uint32_t h, uint64_t v)
{
    return (h ^ (uint32_t)v ^ (uint32_t)(v >> 32)) * 0x01000193u;
}

int module_main(int a, int b)
{
    int64_t sn = -((int64_t)a << 40) - b;               /* -7 * 2^40 - 3 */
    int64_t sd = (int64_t)b * 100003;                   /* 300009 */
    uint64_t un = ((uint64_t)0xFEDCBA98u << 32) | (uint32_t)(a * 0x01010101);
    uint64_t ud = ((uint64_t)b << 33) + 12345u;
    int64_t q = sn / sd, r = sn % sd;
    uint64_t uq = un / ud, ur = un % ud;
    float f = (float)b * 0.75f;                         /* 2.25 */
    uint32_t u = 3000000000u + (uint32_t)(a - 7);       /* exactly representable in float */
    uint32_t h = 0x811C9DC5u;

    if (q * sd + r != sn || r > 0 || r <= -sd)
        return -1;
    if (uq * ud + ur != un || ur >= ud)
        return -2;
    if ((int)(f * 100.0f) != 225)
        return -3;
    if ((uint32_t)((float)u * 0.5f) != 1500000000u)
        return -4;
    h = mix(h, (uint64_t)q);
    h = mix(h, (uint64_t)r);
    h = mix(h, uq);
    h = mix(h, ur);
    h = mix(h, un >> (a + 20));                         /* 64-bit logical shift right */
    h = mix(h, (uint64_t)sn << b);                      /* 64-bit shift left */
    h = mix(h, (uint64_t)(sn >> (b + 30)));             /* 64-bit arithmetic shift right */
    h = mix(h, un * ud);                                /* 64-bit multiply */
    h = mix(h, (uint64_t)(int)(f * (float)(-a) * 64.0f)); /* 2.25 * -7 * 64 = -1008 */
    return (int)(h & 0x7FFFFFFFu);
}
