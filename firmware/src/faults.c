/* Fault handlers: report what the core recorded, then end the boot.
 * Containment (returning to the job loop) comes with a later issue; until then a fault ends
 * the boot, always with an @fault record first and never a silent hang. */
#include "faults.h"

#include <stdint.h>

#include "armv7m.h"
#include "firmware.h"
#include "records.h"
#include "semihost.h"

/* The basic exception frame the core stacks: r0-r3, r12, lr, pc, xPSR. */
typedef struct {
    uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
} exception_frame;

static const char *current_job;

void faults_apply_policy(void)
{
    SCB_SHCSR |= SCB_SHCSR_MEMFAULTENA_Msk | SCB_SHCSR_BUSFAULTENA_Msk | SCB_SHCSR_USGFAULTENA_Msk;
    SCB_CCR |= SCB_CCR_DIV_0_TRP_Msk;
    dsb();
    isb();
}

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

/* Called from fault_entry with the stack the core pushed the frame on and EXC_RETURN. */
__attribute__((used, noreturn)) void fault_report(const exception_frame *frame, uint32_t exc_return);

void fault_report(const exception_frame *frame, uint32_t exc_return)
{
    uint32_t cfsr = SCB_CFSR;
    rec_begin("fault");
    rec_word("job", current_job != 0 ? current_job : "-");
    rec_u32("exc", read_ipsr() & 0x1FFu);
    rec_hex("cfsr", cfsr);
    rec_hex("hfsr", SCB_HFSR);
    if (cfsr & SCB_CFSR_MMARVALID_Msk) {
        rec_hex("mmfar", SCB_MMFAR);
    }
    if (cfsr & SCB_CFSR_BFARVALID_Msk) {
        rec_hex("bfar", SCB_BFAR);
    }
    rec_hex("excret", exc_return);
    rec_hex("sp", (uint32_t)frame);
    /* After a stacking error the frame was never written: reading it would only mislead. */
    if ((cfsr & (SCB_CFSR_MSTKERR_Msk | SCB_CFSR_STKERR_Msk)) == 0u) {
        report_frame(frame);
    }
    rec_end();
    rec_begin("exit");
    rec_u32("status", FW_EXIT_FAULT);
    rec_end();
    sh_exit(FW_EXIT_FAULT);
}

/* Find the stack holding the frame (EXC_RETURN bit 2: 0 = MSP, 1 = PSP) and report. */
__attribute__((naked)) static void fault_entry(void)
{
    __asm__ volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "mov r1, lr\n"
        "b fault_report\n");
}

void HardFault_Handler(void) __attribute__((alias("fault_entry")));
void MemManage_Handler(void) __attribute__((alias("fault_entry")));
void BusFault_Handler(void) __attribute__((alias("fault_entry")));
void UsageFault_Handler(void) __attribute__((alias("fault_entry")));
