/* Built-in diagnostics. Each faulting one is a separate noinline function so the faulting PC
 * maps to a name in the firmware's symbol table. The expected outcome of each, per board, is
 * data: diagnostics.toml beside this file, with the architectural reasoning behind it. */
#include "diag.h"

#include <stddef.h>
#include <string.h>

#include "armv7m.h"
#include "board_config.h" /* BOARD_UNMAPPED_ADDRESS, from the board file's [addresses] */
#include "semihost.h"
#include "memory_map.h"
#include "resume.h"

/* A clean run: the job path without a fault. Returns the sum of the arguments. */
__attribute__((noinline)) static int32_t diag_add(int32_t a, int32_t b, int32_t c, int32_t d)
{
    return a + b + c + d;
}

#ifdef BOARD_UNMAPPED_ADDRESS
/* An address where nothing answers on this board: a read raises a precise BusFault with BFAR
 * valid. A board whose machine reads unmapped memory as 0 names none, and has neither this
 * diagnostic nor unmapped_write. */
__attribute__((noinline)) static int32_t diag_unmapped_read(int32_t a, int32_t b, int32_t c, int32_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    return *(volatile int32_t *)BOARD_UNMAPPED_ADDRESS;
}
#endif

/* Word aligned: QEMU reports a branch to a halfword-aligned address without the Thumb bit as
 * UNALIGNED rather than INVSTATE, so the target must sit on a word boundary. */
__attribute__((noinline, aligned(4))) static int32_t diag_thumb_target(int32_t a, int32_t b, int32_t c, int32_t d)
{
    (void)b, (void)c, (void)d;
    return a;
}

/* Branch to a function with bit 0 clear: the core leaves Thumb state, which ARMv7-M cannot
 * execute, and raises UsageFault INVSTATE at the target. */
__attribute__((noinline)) static int32_t diag_no_thumb(int32_t a, int32_t b, int32_t c, int32_t d)
{
    uintptr_t address = (uintptr_t)&diag_thumb_target & ~(uintptr_t)1u;
    job_fn arm_state_target = (job_fn)address;
    return arm_state_target(a, b, c, d);
}

__attribute__((noinline)) static int32_t diag_undefined(int32_t a, int32_t b, int32_t c, int32_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    __asm__ volatile("udf #0");
    return 0;
}

/* Single-precision add, encoded by hand so the same source assembles for the Cortex-M3:
 *   vmov s0, r0 ; vadd.f32 s0, s0, s0 ; vmov r0, s0
 * Returns the bits of 2 * x for x given as float bits in a. On a core without an FPU
 * the first instruction raises UsageFault NOCP. */
__attribute__((noinline)) static int32_t diag_fpu(int32_t a, int32_t b, int32_t c, int32_t d)
{
    (void)b, (void)c, (void)d;
    register int32_t bits __asm__("r0") = a;
    __asm__ volatile(
        ".inst.w 0xee000a10\n" /* vmov s0, r0 */
        ".inst.w 0xee300a00\n" /* vadd.f32 s0, s0, s0 */
        ".inst.w 0xee100a10\n" /* vmov r0, s0 */
        : "+r"(bits)
        :
        : "memory");
    return bits;
}

#ifdef BOARD_UNMAPPED_ADDRESS
/* A store to nothing: QEMU reports it precisely (PRECISERR with BFAR); Cortex-M3/M4 silicon
 * buffers the write and reports IMPRECISERR without BFAR. */
__attribute__((noinline)) static int32_t diag_unmapped_write(int32_t a, int32_t b, int32_t c, int32_t d)
{
    (void)b, (void)c, (void)d;
    *(volatile int32_t *)BOARD_UNMAPPED_ADDRESS = a;
    return 0;
}
#endif

/* FAULTMASK set, then a fault: no handler may run, the core cannot escalate and locks up. Only
 * privileged code can set FAULTMASK, so only a diagnostic can show this outcome.
 * ARMv6-M has no FAULTMASK: there the main stack, which the handlers run on, is pointed at the
 * bottom of RAM, with nothing below it, before the fault; the HardFault handler's first push then
 * faults at HardFault priority, which the core cannot escalate either. */
__attribute__((noinline)) static int32_t diag_lockup(int32_t a, int32_t b, int32_t c, int32_t d)
{
    (void)a, (void)b, (void)c, (void)d;
#if ARCH_V6M
    __asm__ volatile("msr msp, %0\n\tudf #2" : : "r"(__ram_start) : "memory");
#else
    __asm__ volatile("cpsid f\n\tudf #2");
#endif
    return 0;
}

__attribute__((noreturn)) static void request_reset(void)
{
    SCB_AIRCR = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ_Msk;
    dsb();
    for (;;) {
        /* the reset takes effect within a few cycles: nothing after the request may run */
    }
}

/* A system reset request: the firmware comes up again in the same QEMU, reports the reset as
 * this job's outcome and resumes the job list after it (resume.h). */
__attribute__((noinline)) static int32_t diag_reset(int32_t a, int32_t b, int32_t c, int32_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    request_reset();
}

/* Stands for a reset in the firmware's own code that recurs at the same place (a watchdog
 * that bites before the next job, say): the running job is forgotten first, so each reset
 * finds the job list no further on and the firmware runs this diagnostic again, until it
 * catches the loop and ends the boot (@error in=resume, exit status 5). */
__attribute__((noinline)) static int32_t diag_reset_loop(int32_t a, int32_t b, int32_t c, int32_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    resume_job_forgotten();
    request_reset();
}

/* Interrupts off, then a loop: SysTick cannot stop it, only the host's deadline can (a hang).
 * Privileged only: module code cannot mask interrupts. */
__attribute__((noinline)) static int32_t diag_hang(int32_t a, int32_t b, int32_t c, int32_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    __asm__ volatile("cpsid i\n1:\tb 1b");
    return 0;
}

/* Overwrite the canary below the module arena: the check after the job must catch it. Module
 * code cannot do this (the MPU keeps it out of the firmware's RAM); privileged code can. */
__attribute__((noinline)) static int32_t diag_damage_canary(int32_t a, int32_t b, int32_t c,
                                                            int32_t d)
{
    (void)b, (void)c, (void)d;
    uintptr_t below = (uintptr_t)__module_arena_start - sizeof(uint32_t);
    *(volatile uint32_t *)below = (uint32_t)a;
    return 0;
}

/* A line on the console that is not a record, as a broken firmware or QEMU might print: the
 * host must not trust the job it appeared in. */
__attribute__((noinline)) static int32_t diag_console_garbage(int32_t a, int32_t b, int32_t c,
                                                              int32_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    sh_write0("this is not a record\n");
    return 0;
}

/* A record cut short: the next record runs into it on the same line. */
__attribute__((noinline)) static int32_t diag_truncated_record(int32_t a, int32_t b, int32_t c,
                                                               int32_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    sh_write0("@end id=");
    return 0;
}

__attribute__((noinline)) static int32_t diag_divide_by_zero(int32_t a, int32_t b, int32_t c, int32_t d)
{
    (void)b, (void)c, (void)d;
    volatile int32_t zero = 0;
    return a / zero;
}

/* n calls into abs, made directly: the same loop as modules/bench_import_calls, which makes
 * them through its veneer, so the two run phases differ by the veneer's cost per call times n.
 * Returns the sum of abs(i) for i = n down to 1. */
int32_t diag_import_call_direct(int32_t n, int32_t b, int32_t c, int32_t d);
__asm__(
    "   .syntax unified\n"
    "   .thumb\n"
    "   .section .text.diag_import_call_direct, \"ax\", %progbits\n"
    "   .type diag_import_call_direct, %function\n"
    "   .thumb_func\n"
    "diag_import_call_direct:\n"
    "   push {r4, r5, lr}\n"
    "   mov r4, r0\n"
    "   movs r5, #0\n"
    "1: mov r0, r4\n"
    "   bl abs\n"
    "   add r5, r5, r0\n"
    "   subs r4, r4, #1\n"
    "   bne 1b\n"
    "   mov r0, r5\n"
    "   pop {r4, r5, pc}\n"
    "   .size diag_import_call_direct, . - diag_import_call_direct\n");

static const struct {
    const char *name;
    job_fn run;
} diagnostics[] = {
    {"add", diag_add},
#ifdef BOARD_UNMAPPED_ADDRESS
    {"unmapped_read", diag_unmapped_read},
#endif
    {"no_thumb", diag_no_thumb},
    {"undefined", diag_undefined},
    {"fpu", diag_fpu},
    {"divide_by_zero", diag_divide_by_zero},
    {"import_call_direct", diag_import_call_direct},
#ifdef BOARD_UNMAPPED_ADDRESS
    {"unmapped_write", diag_unmapped_write},
#endif
    {"lockup", diag_lockup},
    {"hang", diag_hang},
    {"damage_canary", diag_damage_canary},
    {"console_garbage", diag_console_garbage},
    {"truncated_record", diag_truncated_record},
    {"reset", diag_reset},
    {"reset_loop", diag_reset_loop},
#ifdef BOARD_UNMAPPED_ADDRESS
    /* Run in the firmware's own context (main.c): proves such a fault ends the boot as the
     * firmware's failure and is never blamed on a job. */
    {"firmware_unmapped_read", diag_unmapped_read},
#endif
};

job_fn diag_find(const char *name)
{
    for (unsigned i = 0; i < sizeof diagnostics / sizeof diagnostics[0]; i++) {
        if (strcmp(diagnostics[i].name, name) == 0) {
            return diagnostics[i].run;
        }
    }
    return NULL;
}
