/* snprintf-like formatter (fmt.h). Output goes through one sink that counts every byte and
 * stores those that fit, so truncation needs no special cases. Each conversion is turned
 * into three parts, printed in order with padding around them: a prefix (sign or 0x), zeros
 * (from the precision or the 0 flag) and the body (digits or the string). */
#include <stdint.h>

#include "fmt.h"

struct sink {
    char *buffer;
    size_t size;
    size_t length;   /* bytes the whole output needs so far */
};

static void emit(struct sink *out, char c)
{
    if (out->length + 1 < out->size) {   /* keep the last byte for the NUL */
        out->buffer[out->length] = c;
    }
    out->length++;
}

static void emit_repeated(struct sink *out, char c, int count)
{
    while (count-- > 0) {
        emit(out, c);
    }
}

struct spec {
    int left;            /* - */
    int zero;            /* 0 */
    char sign;           /* '+' or ' ' for non-negative signed numbers, else 0 */
    int alternate;       /* # */
    int width;
    int precision;       /* -1: none given */
};

/* Writes prefix, zeros and body, padded with spaces to the width on the side the flags say. */
static void emit_field(struct sink *out, const struct spec *spec, const char *prefix,
                       int zeros, const char *body, int body_length)
{
    int prefix_length = 0;
    while (prefix[prefix_length]) {
        prefix_length++;
    }
    int padding = spec->width - prefix_length - zeros - body_length;
    if (!spec->left) {
        emit_repeated(out, ' ', padding);
    }
    while (*prefix) {
        emit(out, *prefix++);
    }
    emit_repeated(out, '0', zeros);
    for (int i = 0; i < body_length; i++) {
        emit(out, body[i]);
    }
    if (spec->left) {
        emit_repeated(out, ' ', padding);
    }
}

static void emit_number(struct sink *out, const struct spec *spec, uint32_t magnitude,
                        int negative, unsigned base, int upper)
{
    const char *digit_chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char digits[10];   /* 2^32 - 1 has 10 decimal digits */
    int count = 0;
    while (magnitude != 0) {
        digits[sizeof digits - 1 - count++] = digit_chars[magnitude % base];
        magnitude /= base;
    }
    if (count == 0 && spec->precision != 0) {    /* zero with precision 0 prints nothing */
        digits[sizeof digits - 1 - count++] = '0';
    }
    char prefix[3] = {0};
    if (negative || spec->sign) {
        prefix[0] = negative ? '-' : spec->sign;
    } else if (spec->alternate && base == 16 && count > 0 && digits[sizeof digits - 1] != '0') {
        prefix[0] = '0';
        prefix[1] = upper ? 'X' : 'x';
    }
    int zeros = spec->precision > count ? spec->precision - count : 0;
    if (spec->zero && !spec->left && spec->precision < 0) {   /* a precision turns 0 off */
        int prefix_length = prefix[0] ? (prefix[1] ? 2 : 1) : 0;
        int fill = spec->width - prefix_length - count;
        zeros = fill > 0 ? fill : 0;
    }
    emit_field(out, spec, prefix, zeros, &digits[sizeof digits - count], count);
}

/* Flags, width and precision after a '%'; returns where the conversion letter is. */
static const char *parse_spec(const char *p, struct spec *spec, va_list *args)
{
    *spec = (struct spec){.precision = -1};
    for (;; p++) {
        if (*p == '-') {
            spec->left = 1;
        } else if (*p == '0') {
            spec->zero = 1;
        } else if (*p == '+') {
            spec->sign = '+';
        } else if (*p == ' ') {
            spec->sign = spec->sign ? spec->sign : ' ';   /* + wins over space */
        } else if (*p == '#') {
            spec->alternate = 1;
        } else {
            break;
        }
    }
    if (*p == '*') {                  /* a negative width means - and its magnitude */
        spec->width = va_arg(*args, int);
        if (spec->width < 0) {
            spec->left = 1;
            spec->width = -spec->width;
        }
        p++;
    }
    while (*p >= '0' && *p <= '9') {
        spec->width = spec->width * 10 + (*p++ - '0');
    }
    if (*p == '.') {
        p++;
        spec->precision = 0;
        if (*p == '*') {              /* a negative precision is as if none were given */
            int given = va_arg(*args, int);
            spec->precision = given < 0 ? -1 : given;
            p++;
        }
        while (*p >= '0' && *p <= '9') {
            spec->precision = spec->precision * 10 + (*p++ - '0');
        }
    }
    return p;
}

static void emit_string(struct sink *out, const struct spec *spec, const char *s)
{
    int length = 0;
    while (s[length] && (spec->precision < 0 || length < spec->precision)) {
        length++;
    }
    emit_field(out, spec, "", 0, s, length);
}

int fmt_vsnprintf(char *buffer, size_t size, const char *format, va_list args)
{
    struct sink out = {buffer, size, 0};
    va_list ap;
    va_copy(ap, args);   /* parse_spec and the conversions take arguments through a pointer */
    for (const char *p = format; *p; p++) {
        if (*p != '%') {
            emit(&out, *p);
            continue;
        }
        struct spec spec;
        p = parse_spec(p + 1, &spec, &ap);
        if (*p == 'd' || *p == 'i') {
            int value = va_arg(ap, int);
            uint32_t magnitude = value < 0 ? 0u - (uint32_t)value : (uint32_t)value;
            emit_number(&out, &spec, magnitude, value < 0, 10, 0);
        } else if (*p == 'u' || *p == 'x' || *p == 'X') {
            spec.sign = 0;                    /* + and space apply to signed conversions only */
            emit_number(&out, &spec, va_arg(ap, unsigned), 0, *p == 'u' ? 10 : 16, *p == 'X');
        } else if (*p == 'c') {
            char c = (char)va_arg(ap, int);
            emit_field(&out, &spec, "", 0, &c, 1);
        } else if (*p == 's') {
            emit_string(&out, &spec, va_arg(ap, const char *));
        } else if (*p == '%') {
            emit(&out, '%');
        } else {
            break;                            /* an unknown conversion ends the output */
        }
    }
    va_end(ap);
    if (size > 0) {
        buffer[out.length < size ? out.length : size - 1] = '\0';
    }
    return (int)out.length;
}

int fmt_snprintf(char *buffer, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int length = fmt_vsnprintf(buffer, size, format, args);
    va_end(args);
    return length;
}
