@ 256 entries of "svc #n; bx lr", 4 bytes each: entry n at svc_table + 4 * n.
    .syntax unified
    .thumb
    .section .text.svc_table, "ax", %progbits
    .balign 4
    .global svc_table
    .type svc_table, %function
svc_table:
    .set immediate, 0
    .rept 256
    svc #immediate
    bx lr
    .set immediate, immediate + 1
    .endr
    .size svc_table, . - svc_table
