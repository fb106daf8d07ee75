/* data_and_bss: initialised globals (.data) must start with their initialisers and
 * zero-initialised globals (.bss) must start at zero; both must be writable. Each failed
 * start-up check returns its own negative number; otherwise a checksum of the new values. */
#include <stdint.h>

int32_t counter = 7;                            /* .data */
static int32_t table[4] = {10, 20, 30, 40};     /* .data */
int32_t zeroed;                                 /* .bss */
static int32_t zero_array[16];                  /* .bss */
static uint8_t flag;                            /* .bss */

int module_main(void)
{
    int32_t sum;
    int i;

    if (counter != 7)
        return -1;
    if (table[0] != 10 || table[1] != 20 || table[2] != 30 || table[3] != 40)
        return -2;
    if (zeroed != 0 || flag != 0)
        return -3;
    for (i = 0; i < 16; i++)
        if (zero_array[i] != 0)
            return -4;

    for (i = 0; i < 16; i++)
        zero_array[i] = i * counter;
    for (i = 0; i < 4; i++)
        table[i] += i;
    counter += 5;
    zeroed = 99;
    flag = 1;

    sum = counter + zeroed + flag;
    for (i = 0; i < 16; i++)
        sum += zero_array[i];
    for (i = 0; i < 4; i++)
        sum += table[i] * (i + 1);
    return sum;
}
