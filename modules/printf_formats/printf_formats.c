/* printf_formats: every conversion and flag the firmware's printf supports
 * (%d %i %u %x %X %c %s %%, width, '-' and '0' flags), at the edges of the 32-bit range,
 * plus puts (which appends a newline) and putchar. The exact console output is checked. */
#include <stdint.h>
#include <stdio.h>

int module_main(void)
{
    printf("d=%d i=%i u=%u\n", 42, -42, 42u);
    printf("x=%x X=%X c=%c s=%s %%\n", 0xbeefu, 0xbeefu, 'Z', "str");
    printf("[%5d][%-5d|][%05d][%05d]\n", 42, 42, 42, -42);
    printf("neg=%d zero=%d min=%d max=%d\n", -7, 0, (int)INT32_MIN, (int)INT32_MAX);
    printf("umax=%u hex=%08X x0=%x big=%X\n", 4294967295u, 0xABCu, 0u, 0xDEADBEEFu);
    printf("[%6s][%-6s][%3c]\n", "ab", "cd", 'q');
    puts("puts line");
    putchar('!');
    putchar('\n');
    return 8; /* lines printed */
}
