#include "clean_slate.h"

#include <stdint.h>

#include "armv7m.h" /* ARCH_V6M */
#include "memory_map.h"

/* Zero [start, end): 32 bytes a store, since the arena is up to 64 KiB and this runs before
 * every job (newlib's memset goes a byte at a time). start is 4-byte aligned and end - start a
 * multiple of 32: both regions are powers of two of at least 1 KiB (boards/sections.ld). */
void clean_slate_zero(uint8_t *start, uint8_t *end);

#if ARCH_V6M
/* Thumb-1: STM takes r0-r7 only, so two stores of four registers a pass. */
__asm__(
    ASM_FUNCTION_BEGIN(clean_slate_zero)
    "   push {r4, r5}\n"
    "   movs r2, #0\n"
    "   movs r3, #0\n"
    "   movs r4, #0\n"
    "   movs r5, #0\n"
    "1: cmp r0, r1\n"
    "   bhs 2f\n"
    "   stmia r0!, {r2-r5}\n"
    "   stmia r0!, {r2-r5}\n"
    "   b 1b\n"
    "2: pop {r4, r5}\n"
    "   bx lr\n"
    "   .size clean_slate_zero, . - clean_slate_zero\n");
#else
__asm__(
    ASM_FUNCTION_BEGIN(clean_slate_zero)
    "   push {r4-r9}\n"
    "   movs r2, #0\n"
    "   movs r3, #0\n"
    "   movs r4, #0\n"
    "   movs r5, #0\n"
    "   movs r6, #0\n"
    "   movs r7, #0\n"
    "   mov r8, r2\n"
    "   mov r9, r2\n"
    "1: cmp r0, r1\n"
    "   bhs 2f\n"
    "   stmia r0!, {r2-r9}\n"
    "   b 1b\n"
    "2: pop {r4-r9}\n"
    "   bx lr\n"
    "   .size clean_slate_zero, . - clean_slate_zero\n");
#endif

void clean_slate(void)
{
    clean_slate_zero(__module_arena_start, __module_arena_end);
    clean_slate_zero(__job_stack_bottom, __job_stack_top);
    /* The FPU's registers are zeroed at every call into job code (job_call.c). */
}
