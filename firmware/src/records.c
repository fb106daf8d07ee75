/* Record writer: builds each console line in a small buffer and hands it to semihosting.
 * A line longer than the buffer is written in pieces; it is still one line on the console. */
#include "records.h"

#include "semihost.h"

#define LINE_BUFFER_BYTES 128
#define OUT_CHUNK_BYTES 64

#include "armv7m.h"

/* MODULE_SHARED: module code prints through putchar/printf, which run in its unprivileged
 * context and land here. */
static MODULE_SHARED char line[LINE_BUFFER_BYTES];
static MODULE_SHARED size_t line_len;

static MODULE_SHARED char out_chunk[OUT_CHUNK_BYTES];
static MODULE_SHARED size_t out_len;

static void line_flush(void)
{
    if (line_len >= sizeof line) {
        line_len = sizeof line - 1; /* job code can write this state: never trust it */
    }
    line[line_len] = '\0';
    sh_write0(line);
    line_len = 0;
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
    line_flush();
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

void out_flush(void)
{
    if (out_len == 0) {
        return;
    }
    if (unprivileged_thread()) {
        __asm__ volatile("svc %0" : : "i"(SVC_CONSOLE_FLUSH) : "memory");
        return;
    }
    size_t len = out_len < sizeof out_chunk ? out_len : sizeof out_chunk;
    out_len = 0; /* before rec_begin, which flushes again */
    rec_begin("out");
    rec_str("text", out_chunk, len);
    rec_end();
}

void out_putc(char c)
{
    if (out_len >= sizeof out_chunk) {
        out_flush();
    }
    out_chunk[out_len++] = c;
    if (c == '\n' || out_len == sizeof out_chunk) {
        out_flush();
    }
}
