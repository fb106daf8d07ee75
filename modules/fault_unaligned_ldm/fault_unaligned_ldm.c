/* Exercises an unaligned LDM: multiple loads must be word aligned whatever CCR.UNALIGN_TRP
 * says, so this is UsageFault UNALIGNED even though plain unaligned LDRs are allowed. */
#include <stdint.h>

int module_main(void)
{
    static uint32_t words[4] = {1, 2, 3, 4};
    const uint8_t *odd = (const uint8_t *)words + 1;
    uint32_t first, second;
    __asm__ volatile("ldm %2, {%0, %1}" : "=r"(first), "=r"(second) : "r"(odd));
    return (int)(first + second);
}
