/* Calls into job code (module entries, constructors, TEMS _start, diagnostics) with the
 * firmware protected from what that code does:
 *  - the code runs in thread mode on its own stack (PSP), so the fault handlers, which run on
 *    the main stack, still work after it wrecks or overflows its own; module code runs
 *    unprivileged, so the MPU (mpu.h) keeps it out of the firmware's RAM and registers;
 *  - a fault or an exhausted time budget in that context is contained: the handler makes the
 *    exception return into an abort path that unwinds to the job loop (job_call_abort);
 *  - r4-r11 are loaded with canaries before the call and sp is checked after it, so a module
 *    that breaks the AAPCS callee-saved contract is caught. */
#ifndef JOB_CALL_H
#define JOB_CALL_H

#include <stdint.h>

typedef int32_t (*job_fn)(int32_t, int32_t, int32_t, int32_t);

typedef enum {
    JOB_CALL_RETURNED = 0,
    JOB_CALL_FAULTED = 1,    /* a fault handler aborted it (an @fault record says which) */
    JOB_CALL_TIMED_OUT = 2,  /* the budget ran out (an @timeout record says where) */
    JOB_CALL_BROKE_ABI = 3,  /* it returned with r4-r11 or sp changed */
} job_call_status;

/* The ticks the next job's code may run in all, over every job_call until the next one of these
 * (constructors, entry, TEMS _start calls). Each call is stopped exactly when what is left runs
 * out; the window of a call runs from a fixed few instructions before its code starts to the SVC
 * it comes back with. */
void job_call_new_budget(uint64_t ticks);

/* Call fn(args[0..3]) in job context with what is left of the job's budget: unprivileged
 * (module code), or privileged (the firmware's own diagnostics). On JOB_CALL_RETURNED *result
 * is its return value. The code comes back through an SVC, which restores privilege. */
job_call_status job_call(job_fn fn, const int32_t args[4], int privileged, int32_t *result);

/* job_call on another stack, stack_top 8-byte aligned, in memory the code may write (an
 * application image's own, app_image.h): where its sp starts, where it must come back with, and
 * where a fault's way back is written. The job stack's guard does not cover it. */
job_call_status job_call_on_stack(job_fn fn, const int32_t args[4], int privileged,
                                  uint32_t stack_top, int32_t *result);

/* For the SysTick handler: whether the job code's budget window is open (armed, not yet come
 * back or aborted), so that running out of it stops the code. */
int job_call_budget_live(void);

/* Whether a fault in job code with these status bits and fault address (BFAR or MMFAR) is the
 * job stack overflowing: a stacking error, or an access just below the stack's bottom. */
int job_call_stack_overflow(uint32_t cfsr, uint32_t fault_address);

/* Whether address lies below the job stack (which is first in RAM): on ARMv6-M, where no
 * status bit says so, a fault frame there means the job ran off its stack. */
int job_call_below_stack(uint32_t address);

/* Whether an exception with this EXC_RETURN interrupted job code. */
int job_call_interrupted(uint32_t exc_return);

/* From a handler that interrupted job code: arrange for the exception return to resume in the
 * job loop. Returns the EXC_RETURN value the handler must return with. */
uint32_t job_call_abort(job_call_status why);

#endif
