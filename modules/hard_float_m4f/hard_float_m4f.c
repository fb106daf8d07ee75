/* hard_float_m4f: single-precision float math built for the FPU with the hard-float ABI
 * (floats passed in s0-s2, VFP instructions). The M4F runs it; the M3 loader must refuse it
 * as the wrong architecture. All values are dyadic fractions that float32 represents exactly,
 * so a fused multiply-add and a separate multiply and add give the same result. */

static float __attribute__((noinline)) mac(float acc, float x, float y)
{
    return acc * x + y;
}

int module_main(int a, int b)
{
    float x = (float)a / 4.0f;          /* 3 / 4 = 0.75 */
    float y = (float)b * 0.125f;        /* 5 / 8 = 0.625 */
    float acc = 1.0f;
    int i;

    for (i = 0; i < 8; i++)
        acc = mac(acc, x + 0.75f, y);   /* acc = acc * 1.5 + 0.625 */
    if (acc < 50.0f || acc > 60.0f)
        return -1;
    return (int)(acc * 1000.0f);
}
