/* tail_calls: built with -O2 so gcc turns calls in tail position into plain branches:
 * mutually recursive is_even/is_odd branch to each other (b, not bl), and name_length ends
 * with a branch into the firmware's strlen through the import veneer (lr still points back
 * to module_main). Recursion depth is at most 150. */
#include <stdint.h>
#include <string.h>

static int is_odd(uint32_t n);

static int __attribute__((noinline)) is_even(uint32_t n)
{
    if (n == 0)
        return 1;
    return is_odd(n - 1);
}

static int __attribute__((noinline)) is_odd(uint32_t n)
{
    if (n == 0)
        return 0;
    return is_even(n - 1);
}

static size_t __attribute__((noinline)) name_length(const char *s)
{
    return strlen(s);
}

int module_main(int a, int b, int which)
{
    static const char *const names[] = {"tail", "tail call"};
    int r = is_even((uint32_t)a) * 1000 + is_odd((uint32_t)a) * 100
          + is_even((uint32_t)b) * 10 + is_odd((uint32_t)b);

    return r + 10000 * (int)name_length(names[which & 1]);
}
