/* A loop that never ends, with a budget of one instruction: SysTick must stop it (timeout)
 * however small the budget, without hanging the boot or touching the next job. */
int module_main(void)
{
    for (volatile unsigned spins = 0;; spins++) {
    }
    return 0;
}
