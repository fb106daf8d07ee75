/* Exercises a permanently undefined instruction (UDF): UsageFault UNDEFINSTR, contained. */
int module_main(void)
{
    __asm__ volatile("udf #7");
    return 1;
}
