/* Runs q16.c over 42 cases: products and quotients (rounding, saturation, division by zero),
 * square roots, sin and cos over several turns, atan2 in all four quadrants. Each result is
 * compared with a reference computed in double precision (Python's math module at the exact
 * Q16 input, rounded to Q16): products, quotients and roots must be exact, angles within
 * TRIG_TOLERANCE_LSB. Prints every result; returns a checksum of them all. */
#include <stdio.h>

#include "q16.h"

enum operation { MUL, DIV, SQRT, SIN, COS, ATAN2 };

static const char *const operation_names[] = {"mul", "div", "sqrt", "sin", "cos", "atan2"};

/* sin and cos reduce the angle with a Q16 pi, 2^-16 off the real one per half turn. */
#define TRIG_TOLERANCE_LSB 4

struct q16_case {
    uint8_t operation;
    q16_t a, b;
    q16_t reference;
};

static const struct q16_case cases[] = {
    {MUL, 98304, -147456, -221184},          /* 1.5 * -2.25 */
    {MUL, 6554, 6554, 655},                  /* 0.1 * 0.1 */
    {MUL, 1966080000, 1966080000, 2147483647},  /* 30000 * 30000 saturates */
    {MUL, -1, 32768, -1},                    /* -2^-16 * 0.5: the half rounds away from 0 */
    {MUL, -245760, -270336, 1013760},        /* -3.75 * -4.125 */
    {DIV, 65536, 196608, 21845},             /* 1 / 3 */
    {DIV, -458752, 131072, -229376},         /* -7 / 2 */
    {DIV, 65536, 0, 2147483647},             /* 1 / 0 saturates */
    {DIV, 6553600, 66, 2147483647},          /* 100 / 0.001 saturates */
    {DIV, -655360, 16384, -2621440},         /* -10 / 0.25 */
    {DIV, 23265280, 7405568, 205887},        /* 355 / 113 */
    {SQRT, 131072, 0, 92682},
    {SQRT, 16384, 0, 32768},
    {SQRT, 6553600, 0, 655360},
    {SQRT, 809086353, 0, 7281777},           /* 12345.678 */
    {SQRT, 2147483647, 0, 11863283},         /* the largest Q16 */
    {SQRT, 1, 0, 256},
    {SQRT, 0, 0, 0},
    {SIN, 32768, 0, 31420},
    {COS, 32768, 0, 57513},
    {SIN, 65536, 0, 55147},
    {COS, 65536, 0, 35409},
    {SIN, 34315, 0, 32768},                  /* pi / 6 */
    {COS, 34315, 0, 56756},
    {SIN, 68629, 0, 56756},                  /* pi / 3 */
    {COS, 68629, 0, 32768},
    {SIN, 131072, 0, 59592},
    {COS, 131072, 0, -27273},
    {SIN, -65536, 0, -55147},
    {COS, -65536, 0, 35409},
    {SIN, 196608, 0, 9248},
    {COS, 196608, 0, -64880},
    {SIN, 393216, 0, -18312},
    {COS, 393216, 0, 62926},
    {SIN, -6553600, 0, 33185},               /* -100: sixteen turns back */
    {COS, -6553600, 0, 56513},
    {ATAN2, 65536, 65536, 51472},
    {ATAN2, -65536, -65536, -154416},
    {ATAN2, 0, -65536, 205887},
    {ATAN2, 65536, 0, 102944},
    {ATAN2, -196608, 262144, -42172},
    {ATAN2, 66, -65536000, 205887},
};

static q16_t evaluate(const struct q16_case *c)
{
    q16_t sin_value, cos_value;
    switch (c->operation) {
    case MUL:
        return q16_mul(c->a, c->b);
    case DIV:
        return q16_div(c->a, c->b);
    case SQRT:
        return q16_sqrt(c->a);
    case SIN:
    case COS:
        q16_sin_cos(c->a, &sin_value, &cos_value);
        return c->operation == SIN ? sin_value : cos_value;
    default:
        return q16_atan2(c->a, c->b);
    }
}

/* Prints a Q16 value as a decimal with 5 places, truncated. */
static void print_q16(q16_t value)
{
    uint32_t magnitude = value < 0 ? 0u - (uint32_t)value : (uint32_t)value;
    uint32_t fraction = (uint32_t)(((uint64_t)(magnitude & 0xFFFFu) * 100000u) >> 16);
    printf("%s%u.%05u", value < 0 ? "-" : "", (unsigned)(magnitude >> 16), (unsigned)fraction);
}

int module_main(void)
{
    uint32_t checksum = 0, within = 0, count = sizeof cases / sizeof cases[0];
    for (uint32_t i = 0; i < count; i++) {
        const struct q16_case *c = &cases[i];
        q16_t result = evaluate(c);
        int64_t error = (int64_t)result - c->reference;
        int64_t tolerance = c->operation >= SIN ? TRIG_TOLERANCE_LSB : 0;
        int ok = error >= -tolerance && error <= tolerance;
        within += (uint32_t)ok;
        checksum = (checksum << 5 | checksum >> 27) ^ (uint32_t)result;
        printf("%-5s ", operation_names[c->operation]);
        print_q16(c->a);
        if (c->operation == MUL || c->operation == DIV || c->operation == ATAN2) {
            printf(", ");
            print_q16(c->b);
        }
        printf(" = ");
        print_q16(result);
        printf("%s\n", ok ? "" : " OFF");
    }
    printf("%u/%u match the reference\n", (unsigned)within, (unsigned)count);
    return (int)checksum;
}
