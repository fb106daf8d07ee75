/* Records (firmware/src/PROTOCOL.md, "Records"): `@tag key=value ...` lines, collected in a
 * buffer and written with SYS_WRITE0 when it fills or at rec_flush(). A module's console output
 * (putchar, puts, printf: console.c) is never written raw: it goes out as @out records. */
#ifndef RECORDS_H
#define RECORDS_H

#include <stddef.h>
#include <stdint.h>

void rec_begin(const char *tag);   /* sends the module's pending output first */
void rec_word(const char *key, const char *word);
void rec_u32(const char *key, uint32_t value);
void rec_i32(const char *key, int32_t value);
void rec_hex(const char *key, uint32_t value);   /* 0x and 8 digits */
void rec_str(const char *key, const char *text, size_t len);   /* quoted and escaped */
void rec_end(void);
void rec_flush(void);

void out_putc(char c);   /* a byte of the running module's output */

#endif
