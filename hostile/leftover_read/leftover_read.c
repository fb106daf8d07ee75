/* The second of a leftover-reading pair (after leftover_fill, with a sentinel between them):
 * reads what it never wrote and counts the words that are not zero: the FPU registers s0-s31
 * and FPSCR (first, before any other code can touch them), the job stack (a local array never
 * written, then everything below this frame down to just above the guard), the whole free
 * heap (malloc without writing). Every job must start with all of them zero, so the count must
 * be 0. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FRAME_MARGIN_WORDS 16u /* stay this far below the running frame */
#define LOCAL_WORDS 64u
#define LARGEST_BLOCK (1u << 20)
#define SMALLEST_BLOCK 8u

uint32_t count_nonzero_fpu(void); /* fpu_count.S: 0 on a core without FPU */

static const volatile uint32_t *stack_pointer(void)
{
    const volatile uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

static uint32_t count_nonzero(const volatile uint32_t *from, const volatile uint32_t *to)
{
    uint32_t found = 0;
    for (const volatile uint32_t *word = from; word < to; word++) {
        found += *word != 0u;
    }
    return found;
}

static __attribute__((noinline)) uint32_t count_nonzero_stack(const volatile uint32_t *floor)
{
    uint32_t never_written[LOCAL_WORDS];
    const volatile uint32_t *local = never_written;
    uint32_t found = count_nonzero(local, local + LOCAL_WORDS);
    return found + count_nonzero(floor, stack_pointer() - FRAME_MARGIN_WORDS);
}

/* The heap is a bump allocator: taking the largest blocks that still fit covers all of it. */
static uint32_t count_nonzero_heap(void)
{
    uint32_t found = 0;
    for (size_t size = LARGEST_BLOCK; size >= SMALLEST_BLOCK;) {
        const volatile uint32_t *block = malloc(size);
        if (block == NULL) {
            size /= 2u;
            continue;
        }
        found += count_nonzero(block, block + size / sizeof *block);
    }
    return found;
}

int module_main(const volatile uint32_t *stack_floor)
{
    uint32_t fpu = count_nonzero_fpu();
    uint32_t stack = count_nonzero_stack(stack_floor);
    uint32_t heap = count_nonzero_heap();
    printf("not zero: fpu %u, stack %u, heap %u words\n", (unsigned)fpu, (unsigned)stack,
           (unsigned)heap);
    return (int)(fpu + stack + heap);
}
