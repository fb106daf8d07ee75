/* Fault policy and fault reporting. */
#ifndef FAULTS_H
#define FAULTS_H

/* CONTRACT.md policy: MemManage, BusFault and UsageFault enabled (not escalated to HardFault),
 * divide by zero traps, the FPU is enabled where the core has one (that part runs first thing
 * in Reset_Handler, before any code that may use it). */
void faults_apply_policy(void);

/* The job that the next fault belongs to, or 0 for the firmware's own code. */
void faults_set_job(const char *job_id);

void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);

#endif
