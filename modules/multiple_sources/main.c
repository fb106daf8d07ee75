/* multiple_sources: a module built from two C files. The entry here calls counter_bump()
 * in counter.c and shares the global shared_counter defined there. Both files have a static
 * helper() and a static calls counter with the same names; each file must keep its own
 * (helper here adds 1000, counter.c's triples), so a mixed-up link changes the result. */

extern int shared_counter;
int counter_bump(int by);
int counter_calls(void);

static int calls;

static int __attribute__((noinline)) helper(int v)
{
    calls++;
    return v + 1000;
}

int module_main(int a, int b)
{
    int r1 = counter_bump(a);                   /* shared_counter = 100 + 3 * a */
    shared_counter += helper(b);                /* + b + 1000 */
    counter_bump(1);                            /* + 3 */
    return r1 * 10000 + shared_counter + counter_calls() * 100 + calls;
}
