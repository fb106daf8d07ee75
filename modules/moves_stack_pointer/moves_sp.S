@ Exercises the stack-pointer half of the contract: module_main returns with sp 8 bytes lower
@ than it was called with. The call wrapper catches it: ABI.CALLEE_SAVED.
    .syntax unified
    .thumb
    .text
    .global module_main
    .type module_main, %function
    .thumb_func
module_main:
    sub sp, sp, #8
    movs r0, #1
    bx lr
