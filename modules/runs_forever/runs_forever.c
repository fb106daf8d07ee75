/* Exercises the time budget: a loop that never ends is stopped by SysTick when its budget is
 * spent, and the boot goes on with the next job. */
int module_main(void)
{
    for (volatile unsigned spins = 0;; spins++) {
    }
    return 0;
}
