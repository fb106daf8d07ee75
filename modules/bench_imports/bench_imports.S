@ Benchmark: binds 19 firmware imports (every portable export) and applies no
@ fix-up. never_called holds the calls, so the link binds them all; module_main returns
@ the import count. Its link phase gives the cost per import bound.
    .syntax unified
    .thumb
    .text
    .type never_called, %function
    .thumb_func
never_called:
    bl puts
    bl putchar
    bl printf
    bl memcpy
    bl memmove
    bl memset
    bl memcmp
    bl strlen
    bl strcmp
    bl strncmp
    bl strcpy
    bl strchr
    bl stpcpy
    bl malloc
    bl calloc
    bl realloc
    bl free
    bl qsort
    bl abs
    bx lr

    .global module_main
    .type module_main, %function
    .thumb_func
module_main:
    movs r0, #19
    bx lr
