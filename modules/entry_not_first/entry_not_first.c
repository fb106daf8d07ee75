/* entry_not_first: the entry point is not at offset 0 of the module's code.
 * A static helper is defined first so that it is what sits at the start of .text;
 * the loader must jump to the entry found by name ("addition"), not to offset 0.
 * Jumping to offset 0 runs helper() and returns 5 + 3 = 8 instead of 11. */

static int __attribute__((noinline, used)) helper(int a, int b)
{
    return a + b;
}

int addition(int a, int b)
{
    return helper(a, b) + 3;
}
