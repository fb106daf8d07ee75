/* The console functions modules import: putchar, puts, printf. Output goes through out_putc,
 * so the host receives it framed in @out records, never mixed with the firmware's records.
 * printf supports what README.md ("Adding a module") promises: flags '-' and '0', a width, and the conversions
 * d i u x X c s p %. Anything else is printed as written. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "records.h"

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

typedef struct {
    int left;      /* '-' */
    int zero;      /* '0' */
    unsigned width;
    int count;     /* characters written so far */
} format_state;

static void emit(format_state *state, char c)
{
    out_putc(c);
    state->count++;
}

static void emit_padding(format_state *state, unsigned used, char fill)
{
    for (; used < state->width; used++) {
        emit(state, fill);
    }
}

/* digits: most significant first; sign: '-' or 0; prefix: "0x" or "". */
static void emit_field(format_state *state, const char *digits, unsigned len, char sign,
                       const char *prefix)
{
    unsigned prefix_len = 0;
    while (prefix[prefix_len] != '\0') {
        prefix_len++;
    }
    unsigned used = len + prefix_len + (sign != 0 ? 1u : 0u);
    if (!state->left && !state->zero) {
        emit_padding(state, used, ' ');
    }
    if (sign != 0) {
        emit(state, sign);
    }
    for (unsigned i = 0; i < prefix_len; i++) {
        emit(state, prefix[i]);
    }
    if (!state->left && state->zero) {
        emit_padding(state, used, '0');
    }
    for (unsigned i = 0; i < len; i++) {
        emit(state, digits[i]);
    }
    if (state->left) {
        emit_padding(state, used, ' ');
    }
}

static void emit_number(format_state *state, uint32_t value, unsigned base, int upper, char sign,
                        const char *prefix)
{
    const char *symbols = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char reversed[10];
    char digits[10];
    unsigned len = 0;
    do {
        reversed[len++] = symbols[value % base];
        value /= base;
    } while (value != 0u);
    for (unsigned i = 0; i < len; i++) {
        digits[i] = reversed[len - 1u - i];
    }
    emit_field(state, digits, len, sign, prefix);
}

static void emit_string(format_state *state, const char *text)
{
    unsigned len = 0;
    while (text[len] != '\0') {
        len++;
    }
    state->zero = 0; /* '0' with %s or %c is undefined in C; pad with spaces */
    emit_field(state, text, len, 0, "");
}

static const char *parse_spec(format_state *state, const char *p)
{
    state->left = state->zero = 0;
    state->width = 0;
    for (;; p++) {
        if (*p == '-') {
            state->left = 1;
        } else if (*p == '0') {
            state->zero = 1;
        } else {
            break;
        }
    }
    while (*p >= '0' && *p <= '9') {
        state->width = state->width * 10u + (unsigned)(*p++ - '0');
    }
    return p;
}

static int is_conversion(char c)
{
    for (const char *known = "diuxXcsp"; *known != '\0'; known++) {
        if (*known == c) {
            return 1;
        }
    }
    return 0;
}

static void convert(format_state *state, char conversion, va_list *args)
{
    switch (conversion) {
    case 'd':
    case 'i': {
        int32_t value = va_arg(*args, int32_t);
        uint32_t magnitude = value < 0 ? 0u - (uint32_t)value : (uint32_t)value;
        emit_number(state, magnitude, 10, 0, value < 0 ? '-' : 0, "");
        break;
    }
    case 'u': emit_number(state, va_arg(*args, uint32_t), 10, 0, 0, ""); break;
    case 'x': emit_number(state, va_arg(*args, uint32_t), 16, 0, 0, ""); break;
    case 'X': emit_number(state, va_arg(*args, uint32_t), 16, 1, 0, ""); break;
    case 'p': emit_number(state, (uint32_t)(uintptr_t)va_arg(*args, void *), 16, 0, 0, "0x"); break;
    case 'c': {
        char text[2] = {(char)va_arg(*args, int), '\0'};
        state->zero = 0;
        emit_field(state, text, 1, 0, "");
        break;
    }
    case 's': {
        const char *text = va_arg(*args, const char *);
        emit_string(state, text != NULL ? text : "(null)");
        break;
    }
    default: break;
    }
}

int printf(const char *format, ...)
{
    format_state state = {0, 0, 0, 0};
    va_list args;
    va_start(args, format);
    for (const char *p = format; *p != '\0'; p++) {
        if (*p != '%') {
            emit(&state, *p);
            continue;
        }
        const char *start = p;
        p = parse_spec(&state, p + 1);
        if (*p == '%') {
            emit(&state, '%');
        } else if (*p != '\0' && is_conversion(*p)) {
            convert(&state, *p, &args);
        } else {
            for (; start < p; start++) {
                emit(&state, *start); /* not a conversion we support: print it as written */
            }
            if (*p == '\0') {
                break;
            }
            emit(&state, *p);
        }
    }
    va_end(args);
    return state.count;
}
