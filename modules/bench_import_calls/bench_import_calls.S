@ Benchmark: n calls into the firmware's abs through this module's veneer. The firmware's
@ diagnostic import_call_direct runs the same loop calling abs directly, so the run phases
@ differ by exactly what the veneer costs per call, times n. Returns the sum of abs(i), i=1..n.
    .syntax unified
    .thumb
    .text
    .global module_main
    .type module_main, %function
    .thumb_func
module_main:
    push {r4, r5, lr}
    mov r4, r0
    movs r5, #0
1:  mov r0, r4
    bl abs
    add r5, r5, r0
    subs r4, r4, #1
    bne 1b
    mov r0, r5
    pop {r4, r5, pc}
