/* The record protocol on the semihosting console. PROTOCOL.md beside this file is its reference.
 * Every console line the firmware prints is a record: '@', a tag, then key=value fields.
 * Output of the code under test is framed in "@out" records, so a record can never be confused
 * with what a module prints. */
#ifndef RECORDS_H
#define RECORDS_H

#include <stddef.h>
#include <stdint.h>

#define RECORD_PROTOCOL_VERSION 1

void rec_begin(const char *tag);
void rec_u32(const char *key, uint32_t value);   /* key=123 */
void rec_u64(const char *key, uint64_t value);
void rec_i32(const char *key, int32_t value);    /* key=-5 */
void rec_hex(const char *key, uint32_t value);   /* key=0x0000abcd */
void rec_word(const char *key, const char *word);/* key=word (no spaces, quotes or '=') */
void rec_str(const char *key, const char *text, size_t len); /* key="escaped text" */
void rec_end(void);
/* Write out the records rec_end has left in the buffer. Before the boot can end (an exit, a
 * lockup or reset a job causes, a job that hangs) what the host needs must be out: the firmware
 * flushes after each @job, after a module's link records and before sh_exit. */
void rec_flush(void);

/* The SVC number job code uses to have its console output flushed (job_call.c serves it). */
#define SVC_CONSOLE_FLUSH 1

/* Console output of the code under test: buffered and emitted as @out records. */
void out_putc(char c);
void out_flush(void);

#endif
