/* heap_malloc: the firmware's heap and memory functions used from a module: calloc must
 * return zeroed memory, realloc must keep the old contents, memmove must handle overlap in
 * both directions. Each failed check returns its own negative number. Peak heap use is
 * 32 + 32 + 64 bytes plus allocator overhead; everything is freed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int module_main(void)
{
    uint8_t *a = malloc(32);
    int32_t *z, *z2;
    const volatile int32_t *vz;
    int32_t sum = 0;
    int i;

    if (a == NULL)
        return -1;
    memset(a, 0xA5, 32);
    z = calloc(8, sizeof(int32_t));
    if (z == NULL)
        return -2;
    vz = z;                                     /* volatile: gcc may not assume the zeros */
    for (i = 0; i < 8; i++)
        if (vz[i] != 0)
            return -3;
    for (i = 0; i < 8; i++)
        z[i] = i * i;
    z2 = realloc(z, 16 * sizeof(int32_t));
    if (z2 == NULL)
        return -4;
    z = z2;
    vz = z;
    for (i = 0; i < 8; i++)
        if (vz[i] != i * i)
            return -5;

    if (((volatile uint8_t *)a)[31] != 0xA5)  /* memset reached the end */
        return -6;
    memcpy(a, "0123456789", 10);
    memmove(a + 2, a, 8);                       /* overlap, copy forwards  -> 0101234567 */
    if (memcmp(a, "0101234567", 10) != 0)
        return -7;
    memmove(a, a + 3, 6);                       /* overlap, copy backwards -> 1234564567 */
    if (memcmp(a, "1234564567", 10) != 0)
        return -8;
    if (memcmp(a, "1234564568", 10) >= 0)
        return -9;

    for (i = 0; i < 32; i++)
        sum += a[i] * (i + 1);
    for (i = 0; i < 8; i++)
        sum += z[i];
    free(a);
    free(z);
    return sum;
}
