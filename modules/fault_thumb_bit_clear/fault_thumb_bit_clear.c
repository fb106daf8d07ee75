/* Exercises a call through a function pointer without the Thumb bit: the core leaves Thumb
 * state, which ARMv7-M cannot execute: UsageFault INVSTATE, contained. */
#include <stdint.h>

/* Word aligned: QEMU reports a branch to a halfword-aligned address without the Thumb bit as
 * UNALIGNED rather than INVSTATE. */
__attribute__((noinline, aligned(4))) static int target(void)
{
    return 42;
}

int module_main(void)
{
    uintptr_t address = (uintptr_t)&target & ~(uintptr_t)1u;
    return ((int (*)(void))address)();
}
