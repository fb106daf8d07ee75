/* See job_call.h. The enter and resume paths are assembly: they switch stacks. */
#include "job_call.h"

#include <stddef.h>

#include "armv7m.h"
#include "board_config.h" /* BOARD_JOB_STACK_BYTES */
#include "faults.h"
#include "mpu.h"
#include "timing.h"

#define EXC_RETURN_THREAD_PSP 0xFFFFFFFDu /* thread mode, process stack, basic frame */
#define EXC_RETURN_SPSEL_Msk (1u << 2)
#define EXC_RETURN_HANDLER_Msk (1u << 3) /* 1: returning to thread mode */
#define XPSR_THUMB_Msk (1u << 24)
#define CALLEE_SAVED_COUNT 8             /* r4-r11 */
#define OVERFLOW_REACH 256u              /* a write this far below the job stack is an overflow */

/* Read by the assembly below: keep the offsets in step with it. */
struct job_call_context {
    uint32_t msp;                        /* 0: the firmware's sp to resume at */
    uint32_t psp_top;                    /* 4: top of the job stack */
    int32_t result;                      /* 8 */
    uint32_t psp_after;                  /* 12: sp when the code returned */
    uint32_t callee[CALLEE_SAVED_COUNT]; /* 16: r4-r11 when the code returned */
};

struct job_call_context job_call_ctx;

/* First in RAM (boards/sections.ld): an overflow runs off the bottom of RAM and faults. */
__attribute__((section(".job_stack"))) static uint64_t job_stack[BOARD_JOB_STACK_BYTES / sizeof(uint64_t)];
static volatile int active;
static volatile job_call_status abort_reason;

/* The values job_call_enter puts in r4-r11: r4 = 0xC0DE0004 ... r11 = 0xC0DE000B. */
#define CANARY(reg) (0xC0DE0000u + (uint32_t)(reg))

int job_call_enter(job_fn fn, const int32_t args[4]);
void job_call_resume(void);

__asm__(
    "   .syntax unified\n"
    "   .thumb\n"
    "   .section .text.job_call_enter, \"ax\", %progbits\n"
    "   .global job_call_enter\n"
    "   .type job_call_enter, %function\n"
    "   .thumb_func\n"
    "job_call_enter:\n"                 /* r0 = fn, r1 = args; returns 0, or 1 via resume */
    "   push {r4-r11, ip, lr}\n"
    "   ldr r2, =job_call_ctx\n"
    "   str sp, [r2, #0]\n"
    "   ldr r3, [r2, #4]\n"
    "   msr psp, r3\n"
    "   mov ip, r0\n"
    "   ldm r1, {r0-r3}\n"
    "   ldr r4, =0xC0DE0004\n"
    "   ldr r5, =0xC0DE0005\n"
    "   ldr r6, =0xC0DE0006\n"
    "   ldr r7, =0xC0DE0007\n"
    "   ldr r8, =0xC0DE0008\n"
    "   ldr r9, =0xC0DE0009\n"
    "   ldr r10, =0xC0DE000A\n"
    "   ldr r11, =0xC0DE000B\n"
    "   mrs lr, control\n"
    "   orr lr, lr, #2\n"               /* SPSEL: thread mode uses PSP */
    "   msr control, lr\n"
    "   isb\n"
    "   blx ip\n"
    "   ldr r1, =job_call_ctx\n"
    "   str r0, [r1, #8]\n"
    "   mov r2, sp\n"
    "   str r2, [r1, #12]\n"
    "   add r2, r1, #16\n"
    "   stm r2, {r4-r11}\n"
    "   mrs r1, control\n"
    "   bic r1, r1, #2\n"               /* back to MSP, which is where we left it */
    "   msr control, r1\n"
    "   isb\n"
    "   movs r0, #0\n"
    "   pop {r4-r11, ip, pc}\n"
    "   .ltorg\n"
    "   .size job_call_enter, . - job_call_enter\n"
    "   .global job_call_resume\n"
    "   .type job_call_resume, %function\n"
    "   .thumb_func\n"
    "job_call_resume:\n"                /* entered by an exception return, on PSP */
    "   mrs r1, control\n"
    "   bic r1, r1, #2\n"
    "   msr control, r1\n"
    "   isb\n"
    "   ldr r1, =job_call_ctx\n"
    "   ldr r2, [r1, #0]\n"
    "   mov sp, r2\n"
    "   movs r0, #1\n"
    "   pop {r4-r11, ip, pc}\n"
    "   .ltorg\n"
    "   .size job_call_resume, . - job_call_resume\n");

static int abi_kept(void)
{
    for (int i = 0; i < CALLEE_SAVED_COUNT; i++) {
        if (job_call_ctx.callee[i] != CANARY(4 + i)) {
            return 0;
        }
    }
    return job_call_ctx.psp_after == job_call_ctx.psp_top;
}

job_call_status job_call(job_fn fn, const int32_t args[4], uint64_t budget, int32_t *result)
{
    job_call_ctx.psp_top = (uint32_t)(uintptr_t)&job_stack[sizeof job_stack / sizeof job_stack[0]];
    abort_reason = JOB_CALL_RETURNED;
    active = 1;
    timing_set_budget(budget);
    int aborted = job_call_enter(fn, args);
    timing_set_budget(0);
    active = 0;
    if (aborted) {
        return abort_reason;
    }
    *result = job_call_ctx.result;
    if (!abi_kept()) {
        faults_report_abi(job_call_ctx.psp_top, job_call_ctx.psp_after, job_call_ctx.callee);
        return JOB_CALL_BROKE_ABI;
    }
    return JOB_CALL_RETURNED;
}

int job_call_stack_overflow(uint32_t cfsr, uint32_t fault_address)
{
    /* The MPU guard is the stack's lowest bytes; below it is the end of RAM. */
    uint32_t guard_top = (uint32_t)(uintptr_t)job_stack + MPU_STACK_GUARD_BYTES;
    int stacking = (cfsr & (SCB_CFSR_STKERR_Msk | SCB_CFSR_MSTKERR_Msk)) != 0u;
    int valid = (cfsr & (SCB_CFSR_BFARVALID_Msk | SCB_CFSR_MMARVALID_Msk)) != 0u;
    return stacking ||
           (valid && fault_address < guard_top && guard_top - fault_address <= OVERFLOW_REACH);
}

int job_call_interrupted(uint32_t exc_return)
{
    return active && (exc_return & EXC_RETURN_SPSEL_Msk) != 0u &&
           (exc_return & EXC_RETURN_HANDLER_Msk) != 0u;
}

uint32_t job_call_abort(job_call_status why)
{
    abort_reason = why;
    /* A fresh frame at the top of the job stack: the one the core pushed may be unusable (a
     * stacking fault never wrote it). Returning through it runs job_call_resume. */
    uint32_t *frame = (uint32_t *)(uintptr_t)(job_call_ctx.psp_top - 8u * sizeof(uint32_t));
    for (int i = 0; i < 6; i++) {
        frame[i] = 0; /* r0-r3, r12, lr */
    }
    frame[6] = (uint32_t)(uintptr_t)&job_call_resume & ~1u;
    frame[7] = XPSR_THUMB_Msk;
    __asm__ volatile("msr psp, %0" : : "r"(frame) : "memory");
#if defined(__ARM_FP)
    FPU_FPCCR &= ~FPU_FPCCR_LSPACT_Msk; /* drop lazy FP state pointing into the old frame */
#endif
    return EXC_RETURN_THREAD_PSP;
}
