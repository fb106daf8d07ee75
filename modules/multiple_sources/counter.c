/* multiple_sources (second file): defines the global shared_counter and counter_bump(),
 * plus a static helper() and static calls with the same names as the ones in main.c. */

int shared_counter = 100;

static int calls;

static int __attribute__((noinline)) helper(int v)
{
    calls++;
    return v * 3;
}

int counter_bump(int by)
{
    shared_counter += helper(by);
    return shared_counter;
}

int counter_calls(void)
{
    return calls;
}
