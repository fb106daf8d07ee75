/* The interface between the C and C++ halves of cpp_mixed_with_c: C linkage both ways. */
#ifndef MIXED_H
#define MIXED_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

uint16_t fletcher16(const uint8_t *data, size_t length); /* fletcher.c */
uint8_t transform_byte(uint8_t byte);                    /* checker.cpp */
extern int c_calls;                                      /* fletcher.c */

#ifdef __cplusplus
}
#endif

#endif
