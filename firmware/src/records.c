/* Record writer: builds console lines in a buffer and hands it to semihosting when it fills
 * or at rec_flush(). Every console write is a round trip through QEMU's main loop, so a job's
 * records go out in two or three writes (rec_flush after @job and after the link, the rest with
 * the next job's @job) instead of one each. A line longer than the buffer is written in pieces;
 * it is still one line on the console. Only privileged code writes records: the buffer is
 * firmware RAM that module code cannot reach. Module output arrives through the job's runtime
 * block (job_runtime.h) and is framed here. */
#include "records.h"

#include <string.h>

#include "armv7m.h"
#include "job_runtime.h"
#include "semihost.h"

#define LINE_BUFFER_BYTES 256

static char line[LINE_BUFFER_BYTES];
static size_t line_len;

static void line_flush(void)
{
    line[line_len] = '\0';
    sh_write0(line);
    line_len = 0;
}

void rec_flush(void)
{
    if (line_len != 0u) {
        line_flush();
    }
}

static void line_putc(char c)
{
    if (line_len + 1 >= sizeof line) {
        line_flush();
    }
    line[line_len++] = c;
}

static void line_puts(const char *s)
{
    while (*s != '\0') {
        line_putc(*s++);
    }
}

static void line_udec(uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    while (n > 0) {
        line_putc(digits[--n]);
    }
}

static void line_hex8(uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    line_puts("0x");
    for (int shift = 28; shift >= 0; shift -= 4) {
        line_putc(hex[(v >> shift) & 0xFu]);
    }
}

static void field_start(const char *key)
{
    line_putc(' ');
    line_puts(key);
    line_putc('=');
}

void rec_begin(const char *tag)
{
    out_flush();
    line_putc('@');
    line_puts(tag);
}

void rec_u32(const char *key, uint32_t value)
{
    field_start(key);
    line_udec(value);
}

void rec_u64(const char *key, uint64_t value)
{
    field_start(key);
    line_udec(value);
}

void rec_i32(const char *key, int32_t value)
{
    field_start(key);
    if (value < 0) {
        line_putc('-');
        line_udec(0u - (uint32_t)value);
    } else {
        line_udec((uint32_t)value);
    }
}

void rec_hex(const char *key, uint32_t value)
{
    field_start(key);
    line_hex8(value);
}

void rec_word(const char *key, const char *word)
{
    field_start(key);
    line_puts(word);
}

/* Quoted text: printable ASCII as is, except '"' and '\\'; everything else as \n \r \t or \xHH. */
static void line_escaped(char c)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char u = (unsigned char)c;
    switch (c) {
    case '"': line_puts("\\\""); return;
    case '\\': line_puts("\\\\"); return;
    case '\n': line_puts("\\n"); return;
    case '\r': line_puts("\\r"); return;
    case '\t': line_puts("\\t"); return;
    default: break;
    }
    if (u >= 0x20u && u < 0x7Fu) {
        line_putc(c);
    } else {
        line_puts("\\x");
        line_putc(hex[u >> 4]);
        line_putc(hex[u & 0xFu]);
    }
}

void rec_str(const char *key, const char *text, size_t len)
{
    field_start(key);
    line_putc('"');
    for (size_t i = 0; i < len; i++) {
        line_escaped(text[i]);
    }
    line_putc('"');
}

void rec_end(void)
{
    line_putc('\n');
}

/* Job code runs unprivileged and may not make semihosting calls (QEMU runs without
 * userspace semihosting, so a module cannot reach the host's files): it asks the firmware to
 * flush through an SVC (job_call.c). */
static int unprivileged_thread(void)
{
    uint32_t control;
    __asm__ volatile("mrs %0, control" : "=r"(control));
    return read_ipsr() == 0u && (control & CONTROL_NPRIV_Msk) != 0u;
}

/* Privileged: frame what the runtime block holds. Its length word is module-writable, so it is
 * clamped to the buffer, and the bytes are copied out before anything else runs. */
static void out_emit(job_runtime *state)
{
    char text[JOB_RUNTIME_OUT_BYTES];
    uint32_t len = state->out_len;
    if (len > sizeof text) {
        len = sizeof text;
    }
    memcpy(text, state->out, len);
    state->out_len = 0; /* before rec_begin, which flushes again */
    rec_begin("out");
    rec_str("text", text, len);
    rec_end();
}

void out_flush(void)
{
    job_runtime *state = job_runtime_block();
    if (state->out_len == 0u) {
        return;
    }
    if (unprivileged_thread()) {
        __asm__ volatile("svc %0" : : "i"(SVC_CONSOLE_FLUSH) : "memory");
        return;
    }
    out_emit(state);
}

/* Runs in the caller's context: unprivileged for module code. A length the module spoiled only
 * spoils its own output (the MPU bounds where this can write). */
void out_putc(char c)
{
    job_runtime *state = job_runtime_block();
    if (state->out_len >= JOB_RUNTIME_OUT_BYTES) {
        out_flush();
        state->out_len = 0;
    }
    state->out[state->out_len++] = c;
    if (c == '\n' || state->out_len == JOB_RUNTIME_OUT_BYTES) {
        out_flush();
    }
}
