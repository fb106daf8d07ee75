/* Fault policy and fault reporting. */
#ifndef FAULTS_H
#define FAULTS_H

#include <stdint.h>

/* The fault policy (PROTOCOL.md, "Fault policy and containment"): MemManage, BusFault and UsageFault enabled (not escalated to HardFault),
 * divide by zero traps, the FPU is enabled where the core has one (that part runs first thing
 * in Reset_Handler, before any code that may use it). */
void faults_apply_policy(void);

/* The job that is running, or 0 between jobs. */
void faults_set_job(const char *job_id);

/* SysTick found the running job's budget spent while its code ran: report an @timeout record
 * with the interrupted frame and abort the job code. Returns the EXC_RETURN to leave with. */
uint32_t faults_report_timeout(const uint32_t *frame);

/* Job code issued an SVC of its own (or the firmware did, by mistake): an @fault record, and
 * the job aborted (or the boot ended). Returns the EXC_RETURN to leave with. */
uint32_t faults_report_svc(const uint32_t *frame, uint32_t exc_return);

/* After job code returned with r4-r11 or sp changed: an @abi record with what it left. */
void faults_report_abi(uint32_t psp_expected, uint32_t psp_after, const uint32_t callee[8]);

void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);

#endif
