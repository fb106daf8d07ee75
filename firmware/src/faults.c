/* Fault handlers: report what the core recorded; contain faults in job code (the boot goes on
 * with the next job) and end the boot on a fault in the firmware's own code. Also the records
 * for the other ways job code is stopped: an exhausted budget, a broken callee-saved contract. */
#include "faults.h"

#include <stdint.h>

#include "armv7m.h"
#include "firmware.h"
#include "job_call.h"
#include "records.h"
#include "semihost.h"

/* The basic exception frame the core stacks: r0-r3, r12, lr, pc, xPSR. */
typedef struct {
    uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
} exception_frame;

static const char *current_job;

/* ARMv6-M has only HardFault, no status registers to read and a fixed CCR (no divide
 * instruction to trap): nothing to enable, and every fault status reads as 0. */
#if ARCH_V6M
void faults_apply_policy(void)
{
}

static uint32_t read_cfsr(void) { return 0u; }
static uint32_t read_hfsr(void) { return 0u; }
static uint32_t read_fault_address(uint32_t cfsr) { (void)cfsr; return 0u; }
static void clear_fault_status(uint32_t cfsr, uint32_t hfsr) { (void)cfsr, (void)hfsr; }

/* No status bit says the stacking failed; the frame's address does. The job stack is first in
 * RAM, so a frame below it was pushed onto nothing: the job ran off its stack, and the frame
 * was never written (reading it would fault again, in the handler: a lockup). */
static int stack_overflowed(uint32_t cfsr, uint32_t address, const exception_frame *frame)
{
    (void)cfsr, (void)address;
    return job_call_below_stack((uint32_t)frame);
}

static int frame_written(uint32_t cfsr, const exception_frame *frame)
{
    (void)cfsr;
    return !job_call_below_stack((uint32_t)frame);
}
#else
void faults_apply_policy(void)
{
    SCB_SHCSR |= SCB_SHCSR_MEMFAULTENA_Msk | SCB_SHCSR_BUSFAULTENA_Msk | SCB_SHCSR_USGFAULTENA_Msk;
    SCB_CCR |= SCB_CCR_DIV_0_TRP_Msk;
    dsb();
    isb();
}

static uint32_t read_cfsr(void) { return SCB_CFSR; }
static uint32_t read_hfsr(void) { return SCB_HFSR; }

static uint32_t read_fault_address(uint32_t cfsr)
{
    return (cfsr & SCB_CFSR_BFARVALID_Msk) ? SCB_BFAR : SCB_MMFAR;
}

static void clear_fault_status(uint32_t cfsr, uint32_t hfsr)
{
    SCB_CFSR = cfsr; /* write-one-to-clear: the next fault reports only its own bits */
    SCB_HFSR = hfsr;
    /* A fault raised while this one was being taken (stacking onto an overflowed stack) is
     * part of the same event: drop it rather than report it against the next job. */
    SCB_SHCSR &= ~(SCB_SHCSR_MEMFAULTPENDED_Msk | SCB_SHCSR_BUSFAULTPENDED_Msk |
                   SCB_SHCSR_USGFAULTPENDED_Msk);
}

static int stack_overflowed(uint32_t cfsr, uint32_t address, const exception_frame *frame)
{
    (void)frame;
    return job_call_stack_overflow(cfsr, address);
}

/* After a stacking error the frame was never written: reading it would only mislead. */
static int frame_written(uint32_t cfsr, const exception_frame *frame)
{
    (void)frame;
    return (cfsr & (SCB_CFSR_MSTKERR_Msk | SCB_CFSR_STKERR_Msk)) == 0u;
}
#endif

void faults_set_job(const char *job_id)
{
    current_job = job_id;
}

static void report_frame(const exception_frame *frame)
{
    rec_hex("r0", frame->r0);
    rec_hex("r1", frame->r1);
    rec_hex("r2", frame->r2);
    rec_hex("r3", frame->r3);
    rec_hex("r12", frame->r12);
    rec_hex("lr", frame->lr);
    rec_hex("pc", frame->pc);
    rec_hex("xpsr", frame->xpsr);
}

static void report_fault_status(uint32_t cfsr, uint32_t hfsr)
{
    rec_u32("exc", read_ipsr() & 0x1FFu);
    rec_hex("cfsr", cfsr);
    rec_hex("hfsr", hfsr);
    if (cfsr & SCB_CFSR_MMARVALID_Msk) {
        rec_hex("mmfar", SCB_MMFAR);
    }
    if (cfsr & SCB_CFSR_BFARVALID_Msk) {
        rec_hex("bfar", SCB_BFAR);
    }
}

__attribute__((noreturn)) static void end_boot(enum firmware_exit_status status)
{
    rec_begin("exit");
    rec_u32("status", status);
    rec_end();
    rec_flush();
    sh_exit(status);
}

/* Called from fault_entry with the stack the core pushed the frame on and EXC_RETURN. A fault
 * in job code is contained: the job loop goes on (the returned EXC_RETURN resumes it). A fault
 * anywhere else is the firmware's own: it is reported as such and ends the boot. */
__attribute__((used)) uint32_t fault_report(const exception_frame *frame, uint32_t exc_return);

uint32_t fault_report(const exception_frame *frame, uint32_t exc_return)
{
    uint32_t cfsr = read_cfsr();
    uint32_t hfsr = read_hfsr();
    int contained = job_call_interrupted(exc_return);
    rec_begin("fault");
    rec_word("job", contained && current_job != 0 ? current_job : "-");
    if (!contained && current_job != 0) {
        rec_word("during", current_job); /* the firmware failed while this job ran */
    }
    report_fault_status(cfsr, hfsr);
    uint32_t address = read_fault_address(cfsr);
    if (contained && stack_overflowed(cfsr, address, frame)) {
        rec_u32("overflow", 1); /* the job ran past its stack: ABI.STACK */
    }
    rec_hex("excret", exc_return);
    rec_hex("sp", (uint32_t)frame);
    if (frame_written(cfsr, frame)) {
        report_frame(frame);
    }
    rec_end();
    if (!contained) {
        end_boot(FW_EXIT_FAULT);
    }
    clear_fault_status(cfsr, hfsr);
    return job_call_abort(JOB_CALL_FAULTED);
}

uint32_t faults_report_svc(const uint32_t *frame, uint32_t exc_return)
{
    return fault_report((const exception_frame *)(const void *)frame, exc_return);
}

uint32_t faults_report_timeout(const uint32_t *frame)
{
    rec_begin("timeout");
    rec_word("job", current_job != 0 ? current_job : "-");
    rec_hex("pc", frame[6]);
    rec_hex("lr", frame[5]);
    rec_end();
    return job_call_abort(JOB_CALL_TIMED_OUT);
}

void faults_report_abi(uint32_t psp_expected, uint32_t psp_after, const uint32_t callee[8])
{
    rec_begin("abi");
    rec_word("job", current_job != 0 ? current_job : "-");
    rec_hex("sp_expected", psp_expected);
    rec_hex("sp", psp_after);
    static const char *const names[8] = {"r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11"};
    for (int i = 0; i < 8; i++) {
        rec_hex(names[i], callee[i]);
    }
    rec_end();
}

/* Find the stack holding the frame (EXC_RETURN bit 2: 0 = MSP, 1 = PSP), report, and leave
 * with the EXC_RETURN fault_report gives back. */
__attribute__((naked)) static void fault_entry(void)
{
    __asm__ volatile(EXCEPTION_ENTRY_ASM(fault_report));
}

void HardFault_Handler(void) __attribute__((alias("fault_entry")));
void MemManage_Handler(void) __attribute__((alias("fault_entry")));
void BusFault_Handler(void) __attribute__((alias("fault_entry")));
void UsageFault_Handler(void) __attribute__((alias("fault_entry")));
