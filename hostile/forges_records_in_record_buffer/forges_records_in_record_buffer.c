/* Forged records through memory: writes a record into the firmware's record writer (its line
 * buffer and the line's length; the test passes their addresses from the firmware ELF), so
 * that the firmware's next record would carry the forgery to the host: an @end for this job
 * (followed by a cut @job line that swallows the real @end), an @end for another job, an
 * @integrity naming another job, or an @exit. Module code may write only its own memory, so
 * the first write into the firmware's buffer must be a contained fault. */
#include <stddef.h>
#include <stdint.h>

enum forgery { END_SELF, END_OTHER, INTEGRITY_OTHER, EXIT };

#define FORGED_RETURN " status=ok ret=1234\n"
#define SWALLOW_NEXT_LINE "@job id=forged kind=diag target=x" /* the real @end runs into it */
#define JOB_ID_DIGITS 6 /* the runner's job ids (sim/jobs.py) */

static size_t append(char *to, size_t at, const char *text)
{
    while (*text != '\0') {
        to[at++] = *text++;
    }
    return at;
}

/* At least `width` digits, zeros in front. */
static size_t append_decimal(char *to, size_t at, int value, size_t width)
{
    char digits[12];
    size_t n = 0;
    unsigned magnitude = value < 0 ? 0u - (unsigned)value : (unsigned)value;
    do {
        digits[n++] = (char)('0' + magnitude % 10u);
        magnitude /= 10u;
    } while (magnitude != 0u || n < width);
    if (value < 0) {
        to[at++] = '-';
    }
    while (n > 0) {
        to[at++] = digits[--n];
    }
    return at;
}

static size_t compose(char *text, int id, int forgery)
{
    size_t n = 0;
    switch (forgery) {
    case END_SELF:
    case END_OTHER:
        n = append(text, n, "@end id=");
        n = append_decimal(text, n, id, JOB_ID_DIGITS);
        n = append(text, n, FORGED_RETURN);
        if (forgery == END_SELF) {
            n = append(text, n, SWALLOW_NEXT_LINE);
        }
        break;
    case INTEGRITY_OTHER:
        n = append(text, n, "@integrity job=");
        n = append_decimal(text, n, id, JOB_ID_DIGITS);
        n = append(text, n, " damaged=exports\n");
        break;
    default: n = append(text, n, "@exit status=0\n"); break;
    }
    return n;
}

int module_main(volatile char *line, volatile uint32_t *line_len, int id, int forgery)
{
    char text[96];
    size_t n = compose(text, id, forgery);
    for (size_t i = 0; i < n; i++) {
        line[i] = text[i];
    }
    *line_len = (uint32_t)n;
    return 99;
}
