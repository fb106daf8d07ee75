/* Exercises what unprivileged module code cannot do: CPSID F (set FAULTMASK) is ignored outside
 * privileged code, so the UDF after it is an ordinary, contained UsageFault instead of a fault
 * the core cannot escalate (a lockup, as diag:lockup shows for privileged code). */
int module_main(void)
{
    __asm__ volatile("cpsid f\n\tudf #1");
    return 0;
}
