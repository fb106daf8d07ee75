/* The formatter's cases: X(buffer size, format, arguments...). Every one has a meaning the C
 * standard fixes (C99 7.19.6.1 and 7.19.6.5), so the C library's snprintf must print exactly
 * what fmt_snprintf prints; tests/unit/test_real_modules.py builds format_demo.c against it
 * to check. Size 0 passes a NULL buffer, which C99 allows. */
#ifndef FORMAT_CASES_H
#define FORMAT_CASES_H

#include <limits.h>

#define FORMAT_MAX_SIZE 64    /* no case's size is larger */

#define FORMAT_CASES(X)                                                                  \
    X(64, "%d|%i|%u", 42, -42, 42u)                                                      \
    X(64, "[%5d][%-5d][%05d][%-05d]", 42, 42, 42, 42)                                    \
    X(64, "[%+d][% d][%+ d][% d][%+d]", 7, 7, 7, -7, 0)                                  \
    X(64, "[%.3d][%8.3d][%-8.3d][%08.3d]", -5, 5, 5, 5)                                  \
    X(64, "[%.0d][%.0u][%5.0d][%.0x]", 0, 0u, 0, 0u)                                     \
    X(64, "[%x][%X][%#x][%#X][%#x]", 0xbeefu, 0xbeefu, 255u, 255u, 0u)                   \
    X(64, "[%#010x][%08X][%-#8x]", 0x1234u, 0xabcu, 0x9u)                                \
    X(64, "[%d][%d][%u][%x]", INT_MIN, INT_MAX, UINT_MAX, UINT_MAX)                      \
    X(64, "[%c][%3c][%-3c]", 'a', 'b', 'c')                                              \
    X(64, "[%s][%7s][%-7s][%.3s][%6.2s]", "hello", "right", "left", "truncate", "xyz")   \
    X(64, "[%*d][%-*d][%*d][%.*d][%.*s]", 6, 1, 6, 2, -6, 3, 4, 9, -1, "all")            \
    X(64, "100%% of %s%c", "cases", '!')                                                 \
    X(8, "%s", "0123456789")                                                             \
    X(6, "[%04d]", 7)                                                                    \
    X(1, "%d", 12345)                                                                    \
    X(0, "%s=%d", "length only", -1)

#endif
