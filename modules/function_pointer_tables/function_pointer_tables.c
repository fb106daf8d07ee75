/* function_pointer_tables: function pointers stored in data, each needing an absolute
 * fix-up at load time: a const table in .rodata, a writable table in .data (swapped at run
 * time) and a struct holding a function pointer. Indices depend on the arguments so the
 * compiler cannot resolve the calls statically. */

static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mul(int a, int b) { return a * b; }
static int maxi(int a, int b) { return a > b ? a : b; }

static int (*const ops[])(int, int) = {add, sub, mul, maxi};   /* .rodata */
static int (*mutable_ops[])(int, int) = {mul, add};             /* .data */

struct calc {
    int (*fn)(int, int);
    int bias;
};
static struct calc calcs[2] = {{sub, 100}, {maxi, 1000}};        /* .data */

int module_main(int a, int b)
{
    int r = 0;
    int i;
    int (*tmp)(int, int);

    for (i = 0; i < 4; i++)
        r = r * 10 + ops[(i + a) & 3](a, b);           /* add, sub, mul, maxi order from a */
    for (i = 0; i < 2; i++)
        r += mutable_ops[(i + b) & 1](a, b) * 7;
    tmp = mutable_ops[0];                               /* swap the .data entries */
    mutable_ops[0] = mutable_ops[1];
    mutable_ops[1] = tmp;
    r += mutable_ops[a & 1](a, b) * 3;
    calcs[b & 1].bias += 1;                             /* calcs is written: stays in .data */
    for (i = 0; i < 2; i++)
        r += calcs[(i + a) & 1].fn(a, b) + calcs[(i + a) & 1].bias;
    return r;
}
