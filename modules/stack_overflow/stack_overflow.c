/* Exercises running past the job stack: unbounded recursion with a frame the compiler cannot
 * drop. The stack runs off the bottom of RAM; the fault is reported as ABI.STACK. */
static int depth(int n)
{
    volatile char frame[64];
    frame[0] = (char)n;
    return n == 0 ? frame[0] : depth(n - 1) + frame[0];
}

int module_main(void)
{
    return depth(1000000);
}
