/* assembly_source: the entry calls a function written in assembly (mac.S), which the
 * packer must link in like any C function, with the Thumb bit set on the call. */
#include <stdint.h>

extern int32_t asm_mac(int32_t a, int32_t b, int32_t c, int32_t d);

int module_main(int a, int b, int c, int d)
{
    return asm_mac(a, b, c, d) * 1000 + asm_mac(d, c, b, a + 1);
}
