/* Leaves as much state behind as a module can: a heap block, its stack and (on a core with an
 * FPU) every FPU register and the FPSCR flags, all filled with a pattern and never cleared. The
 * firmware must wipe it before the next job (see reads_uninitialised_memory). */
#include <stdint.h>
#include <stdlib.h>

#define PATTERN 0xA5A5A5A5u
#define HEAP_WORDS 256
#define STACK_WORDS 128

/* Fills a stack frame of its own; noinline so the frame is real and not merged away. */
__attribute__((noinline)) static uint32_t fill_stack(void)
{
    volatile uint32_t frame[STACK_WORDS];
    uint32_t sum = 0;
    for (int i = 0; i < STACK_WORDS; i++) {
        frame[i] = PATTERN;
        sum += frame[i] >> 24;
    }
    return sum;
}

static void fill_fpu(void)
{
#if defined(__ARM_FP)
    static const uint32_t pattern[32] = {
        PATTERN, PATTERN, PATTERN, PATTERN, PATTERN, PATTERN, PATTERN, PATTERN,
        PATTERN, PATTERN, PATTERN, PATTERN, PATTERN, PATTERN, PATTERN, PATTERN,
        PATTERN, PATTERN, PATTERN, PATTERN, PATTERN, PATTERN, PATTERN, PATTERN,
        PATTERN, PATTERN, PATTERN, PATTERN, PATTERN, PATTERN, PATTERN, PATTERN};
    /* s16-s31 are callee-saved in the AAPCS: a well-behaved function restores them, so these
     * are saved and put back; the firmware must still clear what is left in s0-s15 and FPSCR. */
    __asm__ volatile("vpush {s16-s31}\n\t"
                     "vldmia %0, {s0-s31}\n\t"
                     "vmsr fpscr, %1\n\t"
                     "vpop {s16-s31}"
                     :
                     : "r"(pattern), "r"(0xF800009Fu) /* N Z C V QC, every cumulative flag */
                     : "memory", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9",
                       "s10", "s11", "s12", "s13", "s14", "s15");
#endif
}

int module_main(void)
{
    uint32_t *block = malloc(HEAP_WORDS * sizeof *block);
    if (block == NULL) {
        return -1;
    }
    uint32_t sum = 0;
    for (int i = 0; i < HEAP_WORDS; i++) {
        block[i] = PATTERN;
        sum += block[i] >> 24;
    }
    /* Not freed: the heap is discarded with the job, leftovers included. */
    sum += fill_stack();
    fill_fpu();
    return (int)sum;
}
