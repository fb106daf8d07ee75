@ Exercises the timing unit: a loop of exactly two instructions per pass (subs, bne), r0
@ passes, so the run phase grows by exactly 2 instructions per pass. Returns 0 (r0 counted down).
    .syntax unified
    .thumb
    .text
    .global module_main
    .type module_main, %function
    .thumb_func
module_main:
1:  subs r0, r0, #1
    bne 1b
    bx lr
