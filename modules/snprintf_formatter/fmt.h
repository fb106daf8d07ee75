/* A small snprintf for firmware that cannot afford the C library's: the conversions
 * d i u x X c s %, the flags - 0 + space #, a width and a precision (numbers or *), and C99's
 * result: the length the whole output would have, whatever fits in the buffer, which always
 * ends with a NUL when size > 0. No floating point, no length modifiers, no %n. */
#ifndef FMT_H
#define FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buffer, size_t size, const char *format, va_list args);
int fmt_snprintf(char *buffer, size_t size, const char *format, ...);

#endif
