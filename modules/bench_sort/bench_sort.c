/* Benchmark: insertion sort of 64 pseudo-random integers (a 31-bit LCG), then a weighted sum
 * of the sorted array. Its run phase tracks loads, stores and branches. */
#include <stdint.h>

#define COUNT 64

int module_main(void)
{
    uint32_t values[COUNT];
    uint32_t state = 12345;
    for (int i = 0; i < COUNT; i++) {
        state = (state * 1103515245u + 12345u) & 0x7FFFFFFFu;
        values[i] = state >> 8;
    }
    for (int i = 1; i < COUNT; i++) {
        uint32_t key = values[i];
        int j = i - 1;
        while (j >= 0 && values[j] > key) {
            values[j + 1] = values[j];
            j--;
        }
        values[j + 1] = key;
    }
    uint32_t sum = 0;
    for (int i = 0; i < COUNT; i++) {
        sum += values[i] * (uint32_t)(i + 1);
    }
    return (int)(sum & 0x7FFFFFFFu);
}
