/* Exercises integer division by zero with CCR.DIV_0_TRP set by the firmware: UsageFault
 * DIVBYZERO (without the trap, SDIV would quietly give 0). */
int module_main(int numerator, int denominator)
{
    return numerator / denominator;
}
