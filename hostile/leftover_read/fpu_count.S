@ uint32_t count_nonzero_fpu(void): how many of s0-s31 and FPSCR are not zero (0 without FPU).
    .syntax unified
    .thumb
    .section .text.count_nonzero_fpu, "ax", %progbits
    .global count_nonzero_fpu
    .type count_nonzero_fpu, %function
    .thumb_func
count_nonzero_fpu:
    movs r0, #0
#if defined(__ARM_FP)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    vmov r1, s\n
    cmp r1, #0
    it ne
    addne r0, r0, #1
    .endr
    vmrs r1, fpscr
    @ Not state: LTPSIZE (bits 18:16) reads 4 on a core with MVE (Cortex-M55) outside a
    @ tail-predicated loop and VMSR does not write it; elsewhere these bits are RES0.
    bic r1, r1, #0x70000
    cmp r1, #0
    it ne
    addne r0, r0, #1
#endif
    bx lr
    .size count_nonzero_fpu, . - count_nonzero_fpu
