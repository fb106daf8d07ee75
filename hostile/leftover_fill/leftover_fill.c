/* The first of a leftover-reading pair (leftover_read is the second): leaves a pattern
 * everywhere a later job could look: the job stack from just above its guard up to this
 * frame, the whole free heap, and on a core with an FPU every register s0-s31 (s16-s31 are
 * callee-saved: changing them is hostile too) and FPSCR (round towards zero, flush to zero,
 * default NaN, every exception flag). Nothing of it may reach a later job. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PATTERN_BYTE 0xA5u
#define PATTERN 0xA5A5A5A5u
#define HOSTILE_FPSCR 0xF7C0009Fu /* NZCV, AHP, DN, FZ, RMode = towards zero, IDC..IOC */
#define FRAME_MARGIN_WORDS 16u    /* stay this far below the running frame */
#define LARGEST_BLOCK (1u << 20)
#define SMALLEST_BLOCK 8u

void fill_fpu(uint32_t pattern, uint32_t fpscr); /* fpu_fill.S: nothing on a core without FPU */

static volatile uint32_t *stack_pointer(void)
{
    volatile uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

static void fill_stack(volatile uint32_t *floor)
{
    volatile uint32_t *below_frame = stack_pointer() - FRAME_MARGIN_WORDS;
    for (volatile uint32_t *word = floor; word < below_frame; word++) {
        *word = PATTERN;
    }
}

/* The heap is a bump allocator: taking the largest blocks that still fit covers all of it. */
static void fill_heap(void)
{
    for (size_t size = LARGEST_BLOCK; size >= SMALLEST_BLOCK;) {
        void *block = malloc(size);
        if (block == NULL) {
            size /= 2u;
            continue;
        }
        memset(block, PATTERN_BYTE, size);
    }
}

int module_main(volatile uint32_t *stack_floor)
{
    fill_stack(stack_floor);
    fill_heap();
    fill_fpu(PATTERN, HOSTILE_FPSCR);
    return 0;
}
