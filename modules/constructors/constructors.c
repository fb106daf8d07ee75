/* constructors: the loader must run the module's .init_array before the entry, in priority
 * order (101, then 102, then the default priority). Each constructor appends a digit, so
 * the right order gives 537; a wrong order gives another number and skipped constructors
 * give a negative one. */
#include <stdint.h>

static int32_t state;
static int32_t ran;

__attribute__((constructor(101))) static void first(void)
{
    state = 5;
    ran |= 1;
}

__attribute__((constructor(102))) static void second(void)
{
    state = state * 10 + 3;
    ran |= 2;
}

__attribute__((constructor)) static void third(void)
{
    state = state * 10 + 7;
    ran |= 4;
}

int module_main(void)
{
    if (!(ran & 1))
        return -1;
    if (!(ran & 2))
        return -2;
    if (!(ran & 4))
        return -3;
    return state;
}
