/* See job_call.h. The enter and resume paths are assembly: they switch stacks. */
#include "job_call.h"

#include <stddef.h>

#include "armv7m.h"
#include "board_config.h" /* BOARD_JOB_STACK_BYTES */
#include "faults.h"
#include "mpu.h"
#include "records.h"
#include "timing.h"

#define EXC_RETURN_THREAD_PSP 0xFFFFFFFDu /* thread mode, process stack, basic frame */
#define EXC_RETURN_SPSEL_Msk (1u << 2)
#define EXC_RETURN_HANDLER_Msk (1u << 3) /* 1: returning to thread mode */
#define XPSR_THUMB_Msk (1u << 24)
#define XPSR_STACK_REALIGNED_Msk (1u << 9)
#define EXC_RETURN_BASIC_FRAME_Msk (1u << 4) /* 1: no FP state in the frame */
#define CALLEE_SAVED_COUNT 8             /* r4-r11 */
#define SVC_JOB_RETURNED 0               /* job_call_returned's svc #0 */
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
static volatile int budget_live;       /* SysTick may stop the code: armed, not yet back */
static uint64_t budget_left;           /* ticks the running job's code may still use */
static volatile job_call_status abort_reason;

/* The values job_call_enter puts in r4-r11: r4 = 0xC0DE0004 ... r11 = 0xC0DE000B. */
#define CANARY(reg) (0xC0DE0000u + (uint32_t)(reg))

/* The FPU, where the core has one: the firmware's s16-s31 are kept across the call (job code
 * need not keep the AAPCS), and the job code starts with s0-s31 and FPSCR zero, so no value of
 * the firmware's or of an earlier call reaches it. */
#if defined(__ARM_FP)
__attribute__((used)) static const uint32_t fpu_zeros[32];
#define FP_CALLEE_SAVED_PUSH "   vpush {d8-d15}\n"
#define FP_CALLEE_SAVED_POP "   vpop {d8-d15}\n"
#define FP_ZERO_ALL                    \
    "   ldr r7, =fpu_zeros\n"          \
    "   vldmia r7, {s0-s31}\n"         \
    "   movs r7, #0\n"                 \
    "   vmsr fpscr, r7\n"
#else
#define FP_CALLEE_SAVED_PUSH ""
#define FP_CALLEE_SAVED_POP ""
#define FP_ZERO_ALL ""
#endif

/* Returns only through job_call_resume. */
void job_call_enter(job_fn fn, const int32_t args[4], uint32_t control);
void job_call_resume(void);
void job_call_returned(void); /* the instruction after the job code returns: svc #0 */
__attribute__((used)) void job_call_arm(void);

#if ARCH_V6M
/* The same paths in Thumb-1: r8-r11 travel through low registers, and CONTROL.nPRIV does not
 * exist (the code runs privileged whatever `control` asks; README.md, "What is contained on a
 * part without an MPU"). 40 bytes pushed, as on v7-M, so the firmware's stack stays 8-aligned. */
__asm__(
    ASM_FUNCTION_BEGIN(job_call_enter)  /* r0 = fn, r1 = args, r2 = CONTROL for the job */
    "   push {r3-r7, lr}\n"
    "   mov r4, r8\n"
    "   mov r5, r9\n"
    "   mov r6, r10\n"
    "   mov r7, r11\n"
    "   push {r4-r7}\n"
    "   ldr r3, =job_call_ctx\n"
    "   mov r4, sp\n"
    "   str r4, [r3, #0]\n"
    "   ldr r4, [r3, #4]\n"
    "   msr psp, r4\n"
    "   mov r4, r0\n"
    "   mov r5, r1\n"
    "   mov r6, r2\n"
    "   bl job_call_arm\n"              /* from here an exhausted budget aborts the call */
    "   mov ip, r4\n"
    "   ldr r0, =0xC0DE0008\n"
    "   mov r8, r0\n"
    "   ldr r0, =0xC0DE0009\n"
    "   mov r9, r0\n"
    "   ldr r0, =0xC0DE000A\n"
    "   mov r10, r0\n"
    "   ldr r0, =0xC0DE000B\n"
    "   mov r11, r0\n"
    "   mov lr, r6\n"
    "   ldmia r5!, {r0-r3}\n"
    "   ldr r4, =0xC0DE0004\n"
    "   ldr r5, =0xC0DE0005\n"
    "   ldr r6, =0xC0DE0006\n"
    "   ldr r7, =0xC0DE0007\n"
    "   msr control, lr\n"             /* PSP */
    "   isb\n"
    "   blx ip\n"
    "   .global job_call_returned\n"
    "   .thumb_func\n"
    "job_call_returned:\n"
    "   svc #0\n"
    "   b job_call_returned\n"          /* not reached */
    "   .ltorg\n"
    "   .size job_call_enter, . - job_call_enter\n"
    ASM_FUNCTION_ENTRY(job_call_resume)  /* entered by an exception return, on PSP */
    "   mrs r1, control\n"
    "   movs r2, #3\n"
    "   bics r1, r2\n"
    "   msr control, r1\n"
    "   isb\n"
    "   ldr r1, =job_call_ctx\n"
    "   ldr r2, [r1, #0]\n"
    "   mov sp, r2\n"
    "   pop {r4-r7}\n"
    "   mov r8, r4\n"
    "   mov r9, r5\n"
    "   mov r10, r6\n"
    "   mov r11, r7\n"
    "   pop {r3-r7, pc}\n"
    "   .ltorg\n"
    "   .size job_call_resume, . - job_call_resume\n"
    ASM_FUNCTION_ENTRY(SVC_Handler)  /* r4-r11 are still what the job code left; keep them */
    "   ldr r0, =job_call_ctx\n"
    "   adds r0, #16\n"
    "   stmia r0!, {r4-r7}\n"
    "   mov r1, r8\n"
    "   mov r2, r9\n"
    "   mov r3, r10\n"
    "   stmia r0!, {r1-r3}\n"
    "   mov r1, r11\n"
    "   str r1, [r0]\n"
    EXCEPTION_ENTRY_ASM(job_call_svc)
    "   .ltorg\n"
    "   .size SVC_Handler, . - SVC_Handler\n");
#else
__asm__(
    ASM_FUNCTION_BEGIN(job_call_enter)  /* r0 = fn, r1 = args, r2 = CONTROL for the job */
    "   push {r4-r11, ip, lr}\n"
    FP_CALLEE_SAVED_PUSH
    "   ldr r3, =job_call_ctx\n"
    "   str sp, [r3, #0]\n"
    "   ldr r4, [r3, #4]\n"
    "   msr psp, r4\n"
    "   mov r4, r0\n"
    "   mov r5, r1\n"
    "   mov r6, r2\n"
    "   bl job_call_arm\n"              /* from here an exhausted budget aborts the call */
    FP_ZERO_ALL
    "   mov ip, r4\n"
    "   mov lr, r6\n"
    "   ldm r5, {r0-r3}\n"
    "   ldr r4, =0xC0DE0004\n"
    "   ldr r5, =0xC0DE0005\n"
    "   ldr r6, =0xC0DE0006\n"
    "   ldr r7, =0xC0DE0007\n"
    "   ldr r8, =0xC0DE0008\n"
    "   ldr r9, =0xC0DE0009\n"
    "   ldr r10, =0xC0DE000A\n"
    "   ldr r11, =0xC0DE000B\n"
    "   msr control, lr\n"             /* PSP, and unprivileged for module code */
    "   isb\n"
    "   blx ip\n"
    "   .global job_call_returned\n"
    "   .thumb_func\n"
    "job_call_returned:\n"             /* possibly unprivileged: ask for the way back */
    "   svc #0\n"
    "   b job_call_returned\n"          /* not reached */
    "   .ltorg\n"
    "   .size job_call_enter, . - job_call_enter\n"
    ASM_FUNCTION_ENTRY(job_call_resume)  /* entered by an exception return, privileged, on PSP */
    "   mrs r1, control\n"
    "   bic r1, r1, #3\n"
    "   msr control, r1\n"
    "   isb\n"
    "   ldr r1, =job_call_ctx\n"
    "   ldr r2, [r1, #0]\n"
    "   mov sp, r2\n"
    FP_CALLEE_SAVED_POP
    "   pop {r4-r11, ip, pc}\n"
    "   .ltorg\n"
    "   .size job_call_resume, . - job_call_resume\n"
    ASM_FUNCTION_ENTRY(SVC_Handler)  /* r4-r11 are still what the job code left */
    "   ldr r0, =job_call_ctx\n"
    "   add r0, r0, #16\n"
    "   stm r0, {r4-r11}\n"
    EXCEPTION_ENTRY_ASM(job_call_svc)
    "   .ltorg\n"
    "   .size SVC_Handler, . - SVC_Handler\n");
#endif

__attribute__((always_inline)) static inline int abi_kept(void) /* inlined, as before */
{
    for (int i = 0; i < CALLEE_SAVED_COUNT; i++) {
        if (job_call_ctx.callee[i] != CANARY(4 + i)) {
            return 0;
        }
    }
    return job_call_ctx.psp_after == job_call_ctx.psp_top;
}

/* The SVC from job_call_returned: the job code came back. Anything else is job code issuing
 * an SVC of its own, which no module ABI here offers: a fault. */
__attribute__((used)) uint32_t job_call_svc(const uint32_t *frame, uint32_t exc_return);

uint32_t job_call_svc(const uint32_t *frame, uint32_t exc_return)
{
    uint32_t returned = (uint32_t)(uintptr_t)&job_call_returned & ~1u;
    /* The SVC instruction just executed, so it is readable: its low byte is the number. */
    uint32_t number = *(const uint16_t *)(uintptr_t)(frame[6] - 2u) & 0xFFu;
    int from_job = job_call_interrupted(exc_return);
    if (from_job && number == SVC_JOB_RETURNED && frame[6] == returned + 2u) {
        budget_live = 0; /* it came back in time: the return path is not its to lose */
    }
    if (from_job && number == SVC_CONSOLE_FLUSH) {
        out_flush(); /* privileged here: the semihosting call is the firmware's */
        return exc_return;
    }
    if (!from_job || number != SVC_JOB_RETURNED || frame[6] != returned + 2u) {
        return faults_report_svc(frame, exc_return);
    }
    job_call_ctx.result = (int32_t)frame[0];
    /* Where sp was before the SVC pushed its frame: 8 words, 26 with FP state (EXC_RETURN
     * bit 4 clear), one more when the core realigned the stack (stacked xPSR bit 9). */
    uint32_t words = (exc_return & EXC_RETURN_BASIC_FRAME_Msk) ? 8u : 26u;
    words += (frame[7] & XPSR_STACK_REALIGNED_Msk) ? 1u : 0u;
    job_call_ctx.psp_after = (uint32_t)(uintptr_t)frame + 4u * words;
    return job_call_abort(JOB_CALL_RETURNED);
}

void job_call_new_budget(uint64_t ticks)
{
    budget_left = ticks;
}

int job_call_budget_live(void)
{
    return budget_live;
}

/* Called by job_call_enter once the way back is saved: from here to the job code's first
 * instruction are a fixed few instructions, which count against the budget. */
void job_call_arm(void)
{
    budget_live = 1;
    timing_arm_budget(budget_left);
}

/* Both entry points' body, inlined into each: job_call, which every job's code goes through,
 * costs the same instructions as before job_call_on_stack existed, so no figure moves. */
__attribute__((always_inline)) static inline job_call_status
call_on_stack(job_fn fn, const int32_t args[4], int privileged, uint32_t stack_top,
              int32_t *result)
{
    job_call_ctx.psp_top = stack_top;
    abort_reason = JOB_CALL_RETURNED;
    active = 1;
    /* ARMv6-M has no unprivileged thread mode: there the code runs privileged either way. */
    uint32_t control = CONTROL_SPSEL_Msk | (privileged || ARCH_V6M ? 0u : CONTROL_NPRIV_Msk);
    job_call_enter(fn, args, control);
    budget_live = 0;
    uint64_t used = timing_disarm_budget();
    budget_left = used < budget_left ? budget_left - used : 0u;
    active = 0;
    if (abort_reason != JOB_CALL_RETURNED) {
        return abort_reason;
    }
    *result = job_call_ctx.result;
    if (!abi_kept()) {
        faults_report_abi(job_call_ctx.psp_top, job_call_ctx.psp_after, job_call_ctx.callee);
        return JOB_CALL_BROKE_ABI;
    }
    return JOB_CALL_RETURNED;
}

job_call_status job_call(job_fn fn, const int32_t args[4], int privileged, int32_t *result)
{
    uint32_t top = (uint32_t)(uintptr_t)&job_stack[sizeof job_stack / sizeof job_stack[0]];
    return call_on_stack(fn, args, privileged, top, result);
}

job_call_status job_call_on_stack(job_fn fn, const int32_t args[4], int privileged,
                                  uint32_t stack_top, int32_t *result)
{
    return call_on_stack(fn, args, privileged, stack_top, result);
}

int job_call_stack_overflow(uint32_t cfsr, uint32_t fault_address)
{
    /* The MPU guard is right below the stack, which is the start of RAM. */
    uint32_t guard_top = (uint32_t)(uintptr_t)job_stack;
    int stacking = (cfsr & (SCB_CFSR_STKERR_Msk | SCB_CFSR_MSTKERR_Msk)) != 0u;
    int valid = (cfsr & (SCB_CFSR_BFARVALID_Msk | SCB_CFSR_MMARVALID_Msk)) != 0u;
    return stacking ||
           (valid && fault_address < guard_top && guard_top - fault_address <= OVERFLOW_REACH);
}

int job_call_below_stack(uint32_t address)
{
    return address < (uint32_t)(uintptr_t)job_stack;
}

int job_call_interrupted(uint32_t exc_return)
{
    return active && (exc_return & EXC_RETURN_SPSEL_Msk) != 0u &&
           (exc_return & EXC_RETURN_HANDLER_Msk) != 0u;
}

uint32_t job_call_abort(job_call_status why)
{
    budget_live = 0;
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
    /* job_call_resume must run privileged: it puts the main stack back. */
    uint32_t control;
    __asm__ volatile("mrs %0, control" : "=r"(control));
    __asm__ volatile("msr control, %0" : : "r"(control & ~CONTROL_NPRIV_Msk) : "memory");
#if defined(__ARM_FP)
    FPU_FPCCR &= ~FPU_FPCCR_LSPACT_Msk; /* drop lazy FP state pointing into the old frame */
#endif
    return EXC_RETURN_THREAD_PSP;
}
