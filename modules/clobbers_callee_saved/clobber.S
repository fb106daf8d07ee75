@ Exercises the callee-saved contract: module_main changes r4 and r7 and returns without
@ restoring them, which the AAPCS forbids. The call wrapper catches it: ABI.CALLEE_SAVED.
    .syntax unified
    .thumb
    .text
    .global module_main
    .type module_main, %function
    .thumb_func
module_main:
    movs r0, #5
    movs r4, #0
    movs r7, #0
    bx lr
