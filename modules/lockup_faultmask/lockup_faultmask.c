/* Exercises a lockup: with FAULTMASK set no fault handler can run, so the UDF that follows
 * cannot be escalated and the core locks up. QEMU stops ("Lockup: can't escalate"); the
 * harness reports a lockup for this job and resumes the batch in a new boot. */
int module_main(void)
{
    __asm__ volatile("cpsid f\n\tudf #1");
    return 0;
}
