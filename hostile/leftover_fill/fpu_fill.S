@ void fill_fpu(uint32_t pattern, uint32_t fpscr): s0-s31 = pattern, FPSCR = fpscr. It leaves
@ s16-s31 changed on purpose (the AAPCS has the callee keep them). Nothing without an FPU.
    .syntax unified
    .thumb
    .section .text.fill_fpu, "ax", %progbits
    .global fill_fpu
    .type fill_fpu, %function
    .thumb_func
fill_fpu:
#if defined(__ARM_FP)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    vmov s\n, r0
    .endr
    vmsr fpscr, r1
#endif
    bx lr
    .size fill_fpu, . - fill_fpu
