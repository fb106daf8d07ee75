/* The record writer and the console the modules import (exports.txt): putchar, puts and the
 * printf subset README.md promises modules ("Adding a module"), which prints what the
 * reference firmware's printf prints. Modules run privileged here, so their output is framed
 * directly; the reference firmware has to take it from unprivileged code through an SVC. */
#include "records.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "semihost.h"

#define LINE_BYTES 256   /* a longer record is written in pieces: still one console line */
#define OUT_BYTES 64     /* module output per @out record at most (PROTOCOL.md) */

static char line[LINE_BYTES];
static size_t line_len;
static char out[OUT_BYTES];
static size_t out_len;

void rec_flush(void)
{
    line[line_len] = '\0';
    if (line_len != 0u) {
        sh_write0(line);
    }
    line_len = 0;
}

static void line_putc(char c)
{
    if (line_len + 1u >= sizeof line) {
        rec_flush();
    }
    line[line_len++] = c;
}

static void line_puts(const char *text)
{
    while (*text != '\0') {
        line_putc(*text++);
    }
}

static void line_digits(uint32_t value, uint32_t base, unsigned min_digits)
{
    char digits[32];
    unsigned n = 0;
    do {
        digits[n++] = "0123456789abcdef"[value % base];
        value /= base;
    } while (value != 0u || n < min_digits);
    while (n > 0u) {
        line_putc(digits[--n]);
    }
}

static void out_flush(void)
{
    if (out_len == 0u) {
        return;
    }
    size_t len = out_len;
    out_len = 0; /* before rec_begin, which flushes the output again */
    rec_begin("out");
    rec_str("text", out, len);
    rec_end();
}

void rec_begin(const char *tag)
{
    out_flush(); /* the module's output so far belongs before this record */
    line_putc('@');
    line_puts(tag);
}

static void field(const char *key)
{
    line_putc(' ');
    line_puts(key);
    line_putc('=');
}

void rec_word(const char *key, const char *word)
{
    field(key);
    line_puts(word);
}

void rec_u32(const char *key, uint32_t value)
{
    field(key);
    line_digits(value, 10, 1);
}

void rec_i32(const char *key, int32_t value)
{
    field(key);
    if (value < 0) {
        line_putc('-');
    }
    line_digits(value < 0 ? 0u - (uint32_t)value : (uint32_t)value, 10, 1);
}

void rec_hex(const char *key, uint32_t value)
{
    field(key);
    line_puts("0x");
    line_digits(value, 16, 8);
}

/* Printable ASCII as is but '"' and '\\'; the rest as \n \r \t or \xHH (PROTOCOL.md). */
void rec_str(const char *key, const char *text, size_t len)
{
    field(key);
    line_putc('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        const char *escape = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
                             : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
        if (escape != NULL) {
            line_puts(escape);
        } else if (c >= 0x20u && c < 0x7Fu) {
            line_putc((char)c);
        } else {
            line_puts("\\x");
            line_digits(c, 16, 2);
        }
    }
    line_putc('"');
}

void rec_end(void)
{
    line_putc('\n');
}

void out_putc(char c)
{
    out[out_len++] = c;
    if (c == '\n' || out_len == sizeof out) {
        out_flush();
    }
}

int putchar(int c)
{
    out_putc((char)c);
    return (unsigned char)c;
}

int puts(const char *text)
{
    while (*text != '\0') {
        out_putc(*text++);
    }
    out_putc('\n');
    return 1;
}

/* One conversion's flags ('-', '0'), width and characters written so far. */
typedef struct {
    int left, zero;
    unsigned width;
    int count;
} spec;

static void emit(spec *s, char c)
{
    out_putc(c);
    s->count++;
}

static void pad(spec *s, unsigned used, char fill)
{
    for (; used < s->width; used++) {
        emit(s, fill);
    }
}

/* sign then prefix then text, padded to the width: spaces before, zeros after the prefix, or
 * spaces after ('-'). */
static void emit_field(spec *s, const char *text, unsigned len, char sign, const char *prefix)
{
    unsigned used = len + (unsigned)strlen(prefix) + (sign != 0 ? 1u : 0u);
    if (!s->left && !s->zero) {
        pad(s, used, ' ');
    }
    if (sign != 0) {
        emit(s, sign);
    }
    while (*prefix != '\0') {
        emit(s, *prefix++);
    }
    if (!s->left && s->zero) {
        pad(s, used, '0');
    }
    for (unsigned i = 0; i < len; i++) {
        emit(s, text[i]);
    }
    if (s->left) {
        pad(s, used, ' ');
    }
}

static void emit_number(spec *s, uint32_t value, uint32_t base, int upper, char sign,
                        const char *prefix)
{
    const char *symbols = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char digits[10];
    unsigned first = sizeof digits;
    do {
        digits[--first] = symbols[value % base];
        value /= base;
    } while (value != 0u);
    emit_field(s, digits + first, (unsigned)sizeof digits - first, sign, prefix);
}

/* Returns 0 for a conversion it does not know, which printf then prints as written. */
static int convert(spec *s, char conversion, va_list *args)
{
    switch (conversion) {
    case 'd':
    case 'i': {
        int32_t value = va_arg(*args, int32_t);
        emit_number(s, value < 0 ? 0u - (uint32_t)value : (uint32_t)value, 10, 0,
                    value < 0 ? '-' : 0, "");
        return 1;
    }
    case 'u': emit_number(s, va_arg(*args, uint32_t), 10, 0, 0, ""); return 1;
    case 'x': emit_number(s, va_arg(*args, uint32_t), 16, 0, 0, ""); return 1;
    case 'X': emit_number(s, va_arg(*args, uint32_t), 16, 1, 0, ""); return 1;
    case 'p': emit_number(s, (uint32_t)(uintptr_t)va_arg(*args, void *), 16, 0, 0, "0x"); return 1;
    case 'c': {
        char c = (char)va_arg(*args, int);
        s->zero = 0; /* '0' with %c or %s is undefined in C: pad with spaces */
        emit_field(s, &c, 1, 0, "");
        return 1;
    }
    case 's': {
        const char *text = va_arg(*args, const char *);
        text = text != NULL ? text : "(null)";
        s->zero = 0;
        emit_field(s, text, (unsigned)strlen(text), 0, "");
        return 1;
    }
    default: return 0;
    }
}

static const char *parse_spec(spec *s, const char *p)
{
    s->left = s->zero = 0;
    s->width = 0;
    for (; *p == '-' || *p == '0'; p++) {
        *(*p == '-' ? &s->left : &s->zero) = 1;
    }
    while (*p >= '0' && *p <= '9') {
        s->width = s->width * 10u + (unsigned)(*p++ - '0');
    }
    return p;
}

int printf(const char *format, ...)
{
    spec s = {0, 0, 0, 0};
    va_list args;
    va_start(args, format);
    for (const char *p = format; *p != '\0'; p++) {
        if (*p != '%') {
            emit(&s, *p);
            continue;
        }
        const char *start = p;
        p = parse_spec(&s, p + 1);
        if (*p == '%') {
            emit(&s, '%');
        } else if (*p == '\0' || !convert(&s, *p, &args)) {
            for (; start < p; start++) {
                emit(&s, *start); /* not a conversion it knows: as written */
            }
            if (*p == '\0') {
                break;
            }
            emit(&s, *p);
        }
    }
    va_end(args);
    return s.count;
}
