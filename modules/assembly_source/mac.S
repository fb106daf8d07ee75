@ assembly_source: a hand-written Thumb-2 function in a .S file, called from C.
@ int32_t asm_mac(int32_t a, int32_t b, int32_t c, int32_t d) returns a * b + c * d + 7,
@ using only the caller-saved registers r0-r3 and r12, and returns with bx lr.

    .syntax unified
    .thumb
    .text
    .align 2
    .global asm_mac
    .type asm_mac, %function
    .thumb_func
asm_mac:
    mul     r12, r0, r1         @ r12 = a * b
    mla     r0, r2, r3, r12     @ r0 = c * d + a * b
    adds    r0, r0, #7
    bx      lr
    .size asm_mac, . - asm_mac
