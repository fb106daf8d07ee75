@ assembly_source: a hand-written function in a .S file, called from C.
@ int32_t asm_mac(int32_t a, int32_t b, int32_t c, int32_t d) returns a * b + c * d + 7,
@ using only the caller-saved registers r0-r3 and r12, and returns with bx lr. Thumb-2 (MLA)
@ where the core has it; Thumb-1 on ARMv6-M, which has neither MLA nor a three-register MUL.

    .syntax unified
    .thumb
    .text
    .align 2
    .global asm_mac
    .type asm_mac, %function
    .thumb_func
asm_mac:
#if __ARM_ARCH_ISA_THUMB == 1
    muls    r0, r1, r0          @ r0 = a * b
    muls    r2, r3, r2          @ r2 = c * d
    adds    r0, r0, r2
#else
    mul     r12, r0, r1         @ r12 = a * b
    mla     r0, r2, r3, r12     @ r0 = c * d + a * b
#endif
    adds    r0, r0, #7
    bx      lr
    .size asm_mac, . - asm_mac
