/* The most common bug in real C: reading memory nobody wrote. A fresh malloc block, a local
 * array and the FPU registers are read without being written; the result must not depend on
 * which jobs ran before in the same boot, so the firmware gives every job zeroed memory and
 * registers. Returns how many of the words read were not zero. */
#include <stdint.h>
#include <stdlib.h>

#define HEAP_WORDS 256
#define STACK_WORDS 128
#define FPSCR_LTPSIZE_MASK (7u << 16)

static int nonzero(const volatile uint32_t *words, int count)
{
    int found = 0;
    for (int i = 0; i < count; i++) {
        found += words[i] != 0u;
    }
    return found;
}

/* Its frame overlaps where the previous job's frames were; noinline keeps it a frame. */
__attribute__((noinline)) static int read_stack(void)
{
    volatile uint32_t frame[STACK_WORDS]; /* deliberately uninitialised */
    return nonzero(frame, STACK_WORDS);
}

static int read_fpu(void)
{
#if defined(__ARM_FP)
    uint32_t registers[33];
    __asm__ volatile("vstmia %0, {s0-s31}" : : "r"(registers) : "memory");
    __asm__ volatile("vmrs %0, fpscr" : "=r"(registers[32]));
    /* Not state: on a core with MVE (Cortex-M55) FPSCR.LTPSIZE reads 4 outside a
     * tail-predicated loop and VMSR does not write it; elsewhere these bits are RES0. */
    registers[32] &= ~FPSCR_LTPSIZE_MASK;
    return nonzero(registers, 33);
#else
    return 0;
#endif
}

/* The stack first: any call before it (malloc) would leave this job's own values there. */
int module_main(void)
{
    int found = read_stack();
    found += read_fpu();
    uint32_t *block = malloc(HEAP_WORDS * sizeof *block); /* deliberately not written */
    if (block == NULL) {
        return -1;
    }
    return found + nonzero(block, HEAP_WORDS);
}
