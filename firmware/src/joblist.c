/* Job list reader and line parser. See joblist.h and PROTOCOL.md. */
#include "joblist.h"

#include <string.h>

#include "semihost.h"

#define MAX_TOKENS 12

int joblist_open(joblist_reader *reader, const char *path)
{
    memset(reader, 0, sizeof *reader);
    reader->handle = sh_open_read(path);
    return reader->handle < 0 ? -1 : 0;
}

void joblist_close(joblist_reader *reader)
{
    if (reader->handle >= 0) {
        sh_close(reader->handle);
        reader->handle = -1;
    }
}

/* Next byte of the file: 0-255, or -1 at end of file or on a read error. */
static int reader_getc(joblist_reader *reader)
{
    if (reader->chunk_pos == reader->chunk_len) {
        int got = sh_read(reader->handle, reader->chunk, sizeof reader->chunk);
        if (got <= 0) {
            return -1;
        }
        reader->chunk_len = (size_t)got;
        reader->chunk_pos = 0;
    }
    return (unsigned char)reader->chunk[reader->chunk_pos++];
}

/* Read one line into buf without its newline. Returns 1, 0 at end of file, -1 if too long. */
static int read_line(joblist_reader *reader, char *buf, size_t size)
{
    size_t len = 0;
    int c = reader_getc(reader);
    if (c < 0) {
        return 0;
    }
    while (c >= 0 && c != '\n') {
        if (len + 1 >= size) {
            reader->line_number++;
            return -1;
        }
        buf[len++] = (char)c;
        c = reader_getc(reader);
    }
    if (len > 0 && buf[len - 1] == '\r') {
        len--;
    }
    buf[len] = '\0';
    reader->line_number++;
    return 1;
}

/* Split in place at spaces and tabs; a token in double quotes may hold spaces (no escapes).
 * Returns the token count, or -1 for an unterminated quote or too many tokens. */
static int tokenize(char *line, const char *tokens[], int max_tokens)
{
    int count = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p == '\0') {
            return count;
        }
        if (count == max_tokens) {
            return -1;
        }
        char end = ' ';
        if (*p == '"') {
            end = '"';
            p++;
        }
        tokens[count++] = p;
        while (*p != '\0' && *p != end && !(end == ' ' && *p == '\t')) {
            p++;
        }
        if (end == '"' && *p != '"') {
            return -1;
        }
        if (*p != '\0') {
            *p++ = '\0';
        }
    }
}

/* Parse a decimal integer (optional '-') ending at `stop` or NUL. Returns 0, or -1. */
static int parse_int(const char **cursor, char stop, int32_t *value)
{
    const char *p = *cursor;
    int negative = (*p == '-');
    if (negative) {
        p++;
    }
    if (*p < '0' || *p > '9') {
        return -1;
    }
    uint32_t magnitude = 0;
    while (*p >= '0' && *p <= '9') {
        uint32_t digit = (uint32_t)(*p - '0');
        if (magnitude > (0x80000000u - digit) / 10u) {
            return -1;
        }
        magnitude = magnitude * 10u + digit;
        p++;
    }
    if (*p != stop && *p != '\0') {
        return -1;
    }
    if (!negative && magnitude > 0x7FFFFFFFu) {
        return -1;
    }
    *value = negative ? (int32_t)(0u - magnitude) : (int32_t)magnitude;
    *cursor = p;
    return 0;
}

static int parse_args(const char *text, job *out)
{
    const char *p = text;
    out->arg_count = 0;
    while (*p != '\0') {
        if (out->arg_count == JOB_MAX_ARGS || parse_int(&p, ',', &out->args[out->arg_count]) < 0) {
            return -1;
        }
        out->arg_count++;
        if (*p == ',') {
            p++;
        }
    }
    return 0;
}

/* An unsigned 64-bit decimal, at least 1, nothing after it (budgets, the timing directive). */
static int parse_positive_u64(const char *text, uint64_t *out)
{
    uint64_t value = 0;
    if (*text == '\0') {
        return -1;
    }
    for (; *text != '\0'; text++) {
        unsigned digit = (unsigned)(*text - '0');
        if (digit > 9u || value > (UINT64_MAX - digit) / 10u) {
            return -1;
        }
        value = value * 10u + digit;
    }
    *out = value;
    return value == 0u ? -1 : 0;
}

static int parse_option(const char *token, job *out, const char **error)
{
    if (strncmp(token, "args=", 5) == 0) {
        if (parse_args(token + 5, out) < 0) {
            *error = "bad args (up to 4 decimal int32 separated by commas)";
            return -1;
        }
        return 0;
    }
    if (strncmp(token, "entry=", 6) == 0 && token[6] != '\0') {
        out->entry = token + 6;
        return 0;
    }
    if (strncmp(token, "dep=", 4) == 0 && token[4] != '\0') {
        if (out->dep_count == JOB_MAX_DEPS) {
            *error = "more than 4 dep= options";
            return -1;
        }
        out->deps[out->dep_count++] = token + 4;
        return 0;
    }
    if (strncmp(token, "budget=", 7) == 0) {
        if (parse_positive_u64(token + 7, &out->budget) < 0) {
            *error = "bad budget (ticks for the whole job: a decimal number from 1 to 2^64 - 1)";
            return -1;
        }
        return 0;
    }
    if (strcmp(token, "abi=tems") == 0) {
        out->abi_tems = 1;
        return 0;
    }
    *error = "unknown option";
    return -1;
}

static int parse_job(job *out, const char **error)
{
    const char *tokens[MAX_TOKENS];
    int count = tokenize(out->line, tokens, MAX_TOKENS);
    if (count < 0) {
        *error = "unterminated quote or too many fields";
        return -1;
    }
    if (count < 3) {
        *error = "expected: <id> <kind> <target> [options]";
        return -1;
    }
    out->id = tokens[0];
    out->kind = tokens[1];
    out->target = tokens[2];
    out->entry = "module_main";
    out->abi_tems = 0;
    out->dep_count = 0;
    out->budget = 0;
    memset(out->args, 0, sizeof out->args);
    out->arg_count = 0;
    for (int i = 3; i < count; i++) {
        if (parse_option(tokens[i], out, error) < 0) {
            return -1;
        }
    }
    return 0;
}

#define TIMING_DIRECTIVE "#!timing "
#define NS_PER_INSTRUCTION_KEY "ns_per_instruction="
#define NS_PER_SECOND 1000000000u

/* "#!timing ns_per_instruction=N": the host's instruction time, N dividing 10^9. */
static int parse_timing(const char *line, uint32_t *ns, const char **error)
{
    const char *field = line + sizeof TIMING_DIRECTIVE - 1u;
    const size_t key_len = sizeof NS_PER_INSTRUCTION_KEY - 1u;
    uint64_t n = 0;
    if (strncmp(field, NS_PER_INSTRUCTION_KEY, key_len) != 0 ||
        parse_positive_u64(field + key_len, &n) < 0 || n > NS_PER_SECOND ||
        NS_PER_SECOND % n != 0u) {
        *error = "bad timing directive (#!timing ns_per_instruction=N, N dividing 10^9)";
        return -1;
    }
    *ns = (uint32_t)n;
    return 0;
}

static int is_blank_or_comment(const char *line)
{
    while (*line == ' ' || *line == '\t') {
        line++;
    }
    return *line == '\0' || *line == '#';
}

int joblist_next(joblist_reader *reader, job *out, const char **error)
{
    for (;;) {
        int got = read_line(reader, out->line, sizeof out->line);
        if (got <= 0) {
            if (got < 0) {
                *error = "line too long";
            }
            return got;
        }
        if (strncmp(out->line, TIMING_DIRECTIVE, sizeof TIMING_DIRECTIVE - 1u) == 0) {
            if (parse_timing(out->line, &reader->ns_per_instruction, error) < 0) {
                return -1;
            }
        } else if (!is_blank_or_comment(out->line)) {
            return parse_job(out, error) < 0 ? -1 : 1;
        }
    }
}
