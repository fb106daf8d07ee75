/* literal_pool: at -Os, 32-bit constants and the addresses of globals and string literals
 * are loaded from literal pools placed after the code (ldr rX, [pc, #n]); each address
 * there needs an absolute fix-up. The values are mixed into a hash, globals are read and
 * written through their addresses, and addresses are compared at run time. */
#include <stdint.h>
#include <string.h>

uint32_t global_a = 0xCAFEF00Du;
static uint32_t words[4] = {0x11111111u, 0x22222222u, 0x33333333u, 0x44444444u};
static const char text[] = "literal pool";

static uint32_t mix(uint32_t h, uint32_t v)
{
    return (h ^ v) * 0x01000193u;
}

int module_main(int x)
{
    uint32_t *ptrs[3] = {&global_a, &words[1], &words[3]};
    const char *strs[2] = {text, "second literal"};
    uint32_t h = 0x811C9DC5u;
    int i;

    h = mix(h, (uint32_t)x * 0xDEADBEEFu);
    h = mix(h, 0x12345678u + (uint32_t)x);
    h = mix(h, 0xA5A5A5A5u ^ (uint32_t)x);
    h = mix(h, 0x0BADC0DEu - (uint32_t)x);
    for (i = 0; i < 3; i++)
        h = mix(h, *ptrs[(i + x) % 3]);
    if (ptrs[(x + 2) % 3] - &words[0] != 1)     /* x = 2: ptrs[1] is &words[1] */
        return -1;
    if (ptrs[x % 3] != &words[3] || (const void *)ptrs[x % 3] == (const void *)text)
        return -2;
    if (strs[x & 1] != text || strs[x & 1][8] != 'p')
        return -3;
    *ptrs[(x + 1) % 3] ^= 0x0F0F0F0Fu;          /* writes global_a */
    words[x & 3] += 0x01010101u;                 /* writes words[2] */
    h = mix(h, global_a);
    h = mix(h, words[2]);
    h = mix(h, (uint32_t)strlen(strs[(x + 1) & 1]));
    return (int)(h & 0x7FFFFFFFu);
}
