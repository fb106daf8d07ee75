/* Q16.16 arithmetic (q16.h). sin, cos and atan2 use CORDIC in Q2.30 (shifts and adds
 * only, 28 iterations, about 2^-28 of error before the final rounding to Q16); sqrt is the
 * bit-by-bit integer square root, which needs no division either. 64-bit intermediates keep
 * products exact before rounding. The one 64-bit quotient (in q16_div) is a shift-and-subtract
 * loop: Cortex-M has no 64-bit divide, and libgcc's would add about 700 bytes. */
#include "q16.h"

#define CORDIC_STEPS 28
#define Q30_SHIFT 14                    /* Q16 -> Q30 */
#define CORDIC_GAIN_INVERSE 652032874   /* prod 1/sqrt(1 + 2^-2i), Q30: 0.6072529350 */

/* atan(2^-i) in Q30 radians. */
static const int32_t cordic_angles[CORDIC_STEPS] = {
    843314857, 497837829, 263043837, 133525159, 67021687, 33543516, 16775851, 8388437,
    4194283, 2097149, 1048576, 524288, 262144, 131072, 65536, 32768,
    16384, 8192, 4096, 2048, 1024, 512, 256, 128,
    64, 32, 16, 8,
};

static q16_t saturate(int64_t value)
{
    if (value > Q16_MAX) {
        return Q16_MAX;
    }
    return value < Q16_MIN ? Q16_MIN : (q16_t)value;
}

/* x / 2^shift to nearest, halves away from zero. */
static int64_t round_shift(int64_t x, unsigned shift)
{
    int64_t half = (int64_t)1 << (shift - 1);
    return x >= 0 ? (x + half) >> shift : -((-x + half) >> shift);
}

q16_t q16_mul(q16_t a, q16_t b)
{
    return saturate(round_shift((int64_t)a * b, 16));
}

/* numerator / divisor for a numerator below 2^48, one quotient bit per step. */
static uint64_t divide48(uint64_t numerator, uint32_t divisor)
{
    uint64_t quotient = 0, remainder = 0;
    for (int bit = 47; bit >= 0; bit--) {
        remainder = (remainder << 1) | ((numerator >> bit) & 1u);
        if (remainder >= divisor) {
            remainder -= divisor;
            quotient |= (uint64_t)1 << bit;
        }
    }
    return quotient;
}

q16_t q16_div(q16_t a, q16_t b)
{
    if (b == 0) {
        return a >= 0 ? Q16_MAX : Q16_MIN;
    }
    int negative = (a < 0) != (b < 0);
    uint64_t numerator = (uint64_t)(a < 0 ? -(int64_t)a : a) << 16;    /* below 2^47 */
    uint32_t divisor = (uint32_t)(b < 0 ? -(int64_t)b : b);
    uint64_t quotient = divide48(numerator + divisor / 2, divisor);
    return saturate(negative ? -(int64_t)quotient : (int64_t)quotient);
}

q16_t q16_sqrt(q16_t x)
{
    if (x <= 0) {
        return 0;
    }
    /* sqrt(x / 2^16) * 2^16 = sqrt(x * 2^16): the integer root of a 48-bit number. */
    uint64_t rest = (uint64_t)x << 16, root = 0, bit = (uint64_t)1 << 46;
    while (bit > rest) {
        bit >>= 2;
    }
    while (bit != 0) {
        if (rest >= root + bit) {
            rest -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    return (q16_t)(rest > root ? root + 1 : root);  /* round to nearest */
}

void q16_sin_cos(q16_t angle, q16_t *sin_out, q16_t *cos_out)
{
    /* Into [-pi, pi], then into [-pi/2, pi/2], where CORDIC converges: sin(pi - a) = sin a,
     * cos(pi - a) = -cos a. */
    angle %= Q16_TWO_PI;
    if (angle > Q16_PI) {
        angle -= Q16_TWO_PI;
    } else if (angle < -Q16_PI) {
        angle += Q16_TWO_PI;
    }
    int cos_sign = 1;
    if (angle > Q16_HALF_PI) {
        angle = Q16_PI - angle;
        cos_sign = -1;
    } else if (angle < -Q16_HALF_PI) {
        angle = -Q16_PI - angle;
        cos_sign = -1;
    }
    int32_t x = CORDIC_GAIN_INVERSE, y = 0, z = angle * (1 << Q30_SHIFT);
    for (unsigned i = 0; i < CORDIC_STEPS; i++) {  /* rotate (x, y) until z reaches 0 */
        int32_t dx = y >> i, dy = x >> i;
        if (z >= 0) {
            x -= dx;
            y += dy;
            z -= cordic_angles[i];
        } else {
            x += dx;
            y -= dy;
            z += cordic_angles[i];
        }
    }
    *sin_out = (q16_t)round_shift(y, Q30_SHIFT);
    *cos_out = (q16_t)(cos_sign * round_shift(x, Q30_SHIFT));
}

q16_t q16_atan2(q16_t y, q16_t x)
{
    if (x == 0 && y == 0) {
        return 0;
    }
    /* Turn the vector by pi when it points left, so CORDIC works in the right half-plane. */
    q16_t turned = 0;
    int64_t vx = x, vy = y;
    if (x < 0) {
        vx = -vx;
        vy = -vy;
        turned = y >= 0 ? Q16_PI : -Q16_PI;
    }
    int32_t z = 0;
    for (unsigned i = 0; i < CORDIC_STEPS; i++) {  /* rotate (vx, vy) onto the x axis */
        int64_t dx = vy >> i, dy = vx >> i;
        if (vy > 0) {
            vx += dx;
            vy -= dy;
            z += cordic_angles[i];
        } else {
            vx -= dx;
            vy += dy;
            z -= cordic_angles[i];
        }
    }
    return (q16_t)(round_shift(z, Q30_SHIFT) + turned);
}
