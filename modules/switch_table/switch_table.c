/* switch_table: a dense switch over 12 consecutive cases, built with -O2 so gcc emits a
 * jump table (tbb/tbh on Thumb-2) rather than a chain of compares. Every case and the
 * default (below and above the range) is taken once; the result is a checksum of all. */
#include <stdint.h>

static uint32_t __attribute__((noinline)) dispatch(int k, uint32_t x)
{
    switch (k) {
    case 0:  return x + 1u;
    case 1:  return x * 3u;
    case 2:  return x ^ 0x55u;
    case 3:  return x - 7u;
    case 4:  return x << 2;
    case 5:  return x >> 1;
    case 6:  return ~x;
    case 7:  return x * x;
    case 8:  return x | 0x100u;
    case 9:  return x & 0xFu;
    case 10: return 0u - x;
    case 11: return x % 7u;
    default: return 1000u + x;
    }
}

int module_main(int seed)
{
    uint32_t sum = 0;
    int k;

    for (k = -1; k <= 12; k++)
        sum = sum * 31u + dispatch(k, (uint32_t)(seed + k * 11));
    return (int)(sum & 0x7FFFFFFFu);
}
