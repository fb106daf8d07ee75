/* Q16.16 fixed-point maths for cores without an FPU: a value v stands for v / 65536.
 * Products and quotients round to nearest (halves away from zero) and saturate at the ends
 * of the range instead of wrapping; angles are radians. */
#ifndef Q16_H
#define Q16_H

#include <stdint.h>

typedef int32_t q16_t;

#define Q16_ONE ((q16_t)0x00010000)
#define Q16_MAX ((q16_t)0x7FFFFFFF)
#define Q16_MIN ((q16_t)(-0x7FFFFFFF - 1))
#define Q16_PI ((q16_t)205887)          /* round(pi * 65536) */
#define Q16_HALF_PI ((q16_t)102944)
#define Q16_TWO_PI ((q16_t)411775)

q16_t q16_mul(q16_t a, q16_t b);
q16_t q16_div(q16_t a, q16_t b);        /* b = 0 saturates towards a's sign */
q16_t q16_sqrt(q16_t x);                /* x < 0 gives 0 */
void q16_sin_cos(q16_t angle, q16_t *sin_out, q16_t *cos_out);
q16_t q16_atan2(q16_t y, q16_t x);      /* in [-pi, pi]; atan2(0, 0) = 0 */

#endif
