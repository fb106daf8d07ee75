/* JSON tokenizer (json_tokens.h). One pass over the text with an explicit stack of the open
 * objects and arrays; `expect` says what the grammar allows next, so every rule is checked
 * at the byte that could break it. */
#include "json_tokens.h"

enum expect {
    VALUE,              /* any value (the document, after ':' or after ',' in an array) */
    VALUE_OR_CLOSE,     /* just after '[' */
    KEY,                /* after ',' in an object */
    KEY_OR_CLOSE,       /* just after '{' */
    COLON,              /* after a key */
    COMMA_OR_CLOSE,     /* after a value inside an object or array */
    END,                /* after the document's value: only white space */
};

struct parser {
    const char *text;
    uint32_t length, pos;
    struct json_token *tokens;
    uint32_t max_tokens, count;
    uint16_t open[JSON_MAX_DEPTH];  /* token index of each open object or array */
    uint32_t depth;
    int key_pending;                /* a key's value is due: the key is the value's parent */
    enum expect expect;
};

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static int new_token(struct parser *p, enum json_kind kind, uint32_t start, uint32_t end)
{
    if (p->count == p->max_tokens) {
        return JSON_ERROR_NO_TOKENS;
    }
    struct json_token *token = &p->tokens[p->count++];
    token->kind = (uint8_t)kind;
    token->children = 0;
    token->start = (uint16_t)start;
    token->end = (uint16_t)end;
    return 0;
}

/* A value (or key) is complete: count it in its container and say what may follow. */
static void value_done(struct parser *p, int is_key)
{
    if (p->depth == 0) {
        p->expect = END;
        return;
    }
    if (!p->key_pending) {
        p->tokens[p->open[p->depth - 1]].children++;
    }
    p->key_pending = is_key;
    p->expect = is_key ? COLON : COMMA_OR_CLOSE;
}

static int scan_string(struct parser *p, int is_key)
{
    uint32_t start = ++p->pos;
    while (p->pos < p->length) {
        char c = p->text[p->pos];
        if (c == '"') {
            int error = new_token(p, JSON_STRING, start, p->pos++);
            if (error == 0) {
                value_done(p, is_key);
            }
            return error;
        }
        if ((unsigned char)c < 0x20) {
            return JSON_ERROR_SYNTAX;          /* control characters must be escaped */
        }
        if (c == '\\') {
            if (++p->pos == p->length) {
                return JSON_ERROR_TRUNCATED;
            }
            c = p->text[p->pos];
            if (c == 'u') {
                for (unsigned i = 0; i < 4; i++) {
                    if (++p->pos == p->length) {
                        return JSON_ERROR_TRUNCATED;
                    }
                    if (!is_hex(p->text[p->pos])) {
                        return JSON_ERROR_SYNTAX;
                    }
                }
            } else if (c != '"' && c != '\\' && c != '/' && c != 'b' && c != 'f' && c != 'n' &&
                       c != 'r' && c != 't') {
                return JSON_ERROR_SYNTAX;
            }
        }
        p->pos++;
    }
    return JSON_ERROR_TRUNCATED;
}

/* Skips one or more digits; 0 if there was none. */
static int digits(struct parser *p)
{
    uint32_t from = p->pos;
    while (p->pos < p->length && is_digit(p->text[p->pos])) {
        p->pos++;
    }
    return p->pos > from;
}

static int peek_is(struct parser *p, char c)
{
    return p->pos < p->length && p->text[p->pos] == c;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(struct parser *p)
{
    uint32_t start = p->pos;
    if (peek_is(p, '-')) {
        p->pos++;
    }
    if (peek_is(p, '0')) {
        p->pos++;
    } else if (!digits(p)) {
        return p->pos == p->length ? JSON_ERROR_TRUNCATED : JSON_ERROR_SYNTAX;
    }
    if (peek_is(p, '.')) {
        p->pos++;
        if (!digits(p)) {
            return JSON_ERROR_SYNTAX;
        }
    }
    if (peek_is(p, 'e') || peek_is(p, 'E')) {
        p->pos++;
        if (peek_is(p, '+') || peek_is(p, '-')) {
            p->pos++;
        }
        if (!digits(p)) {
            return JSON_ERROR_SYNTAX;
        }
    }
    int error = new_token(p, JSON_NUMBER, start, p->pos);
    if (error == 0) {
        value_done(p, 0);
    }
    return error;
}

static int scan_literal(struct parser *p)
{
    static const char *const words[] = {"true", "false", "null"};
    for (unsigned w = 0; w < 3; w++) {
        const char *word = words[w];
        if (p->text[p->pos] != word[0]) {
            continue;
        }
        uint32_t start = p->pos;
        for (; *word; word++, p->pos++) {
            if (p->pos == p->length) {
                return JSON_ERROR_TRUNCATED;
            }
            if (p->text[p->pos] != *word) {
                return JSON_ERROR_SYNTAX;
            }
        }
        int error = new_token(p, JSON_LITERAL, start, p->pos);
        if (error == 0) {
            value_done(p, 0);
        }
        return error;
    }
    return JSON_ERROR_SYNTAX;
}

static int open_container(struct parser *p, enum json_kind kind)
{
    if (p->depth == JSON_MAX_DEPTH) {
        return JSON_ERROR_TOO_DEEP;
    }
    int error = new_token(p, kind, p->pos, p->pos);
    if (error) {
        return error;
    }
    if (p->depth > 0 && !p->key_pending) {
        p->tokens[p->open[p->depth - 1]].children++;
    }
    p->key_pending = 0;
    p->open[p->depth++] = (uint16_t)(p->count - 1);
    p->expect = kind == JSON_OBJECT ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
    p->pos++;
    return 0;
}

static int close_container(struct parser *p, enum json_kind kind)
{
    int may_close = p->expect == COMMA_OR_CLOSE ||
                    p->expect == (kind == JSON_OBJECT ? KEY_OR_CLOSE : VALUE_OR_CLOSE);
    if (!may_close || p->depth == 0 || p->tokens[p->open[p->depth - 1]].kind != kind) {
        return JSON_ERROR_SYNTAX;
    }
    p->tokens[p->open[--p->depth]].end = (uint16_t)++p->pos;
    p->expect = p->depth == 0 ? END : COMMA_OR_CLOSE;
    return 0;
}

/* The next thing at p->pos, white space already skipped. */
static int step(struct parser *p)
{
    char c = p->text[p->pos];
    int want_value = p->expect == VALUE || p->expect == VALUE_OR_CLOSE;
    int want_key = p->expect == KEY || p->expect == KEY_OR_CLOSE;
    if (c == '}' || c == ']') {
        return close_container(p, c == '}' ? JSON_OBJECT : JSON_ARRAY);
    }
    if (c == ',' && p->expect == COMMA_OR_CLOSE) {
        p->pos++;
        p->expect = p->tokens[p->open[p->depth - 1]].kind == JSON_OBJECT ? KEY : VALUE;
        return 0;
    }
    if (c == ':' && p->expect == COLON) {
        p->pos++;
        p->expect = VALUE;
        return 0;
    }
    if (c == '"' && (want_value || want_key)) {
        return scan_string(p, want_key);
    }
    if (!want_value) {
        return JSON_ERROR_SYNTAX;
    }
    if (c == '{' || c == '[') {
        return open_container(p, c == '{' ? JSON_OBJECT : JSON_ARRAY);
    }
    if (c == '-' || is_digit(c)) {
        return scan_number(p);
    }
    return scan_literal(p);
}

int json_tokenize(const char *text, uint32_t length, struct json_token *tokens,
                  uint32_t max_tokens, uint32_t *error_at)
{
    struct parser p = {.text = text, .length = length, .tokens = tokens,
                       .max_tokens = max_tokens, .expect = VALUE};
    while (1) {
        while (p.pos < length && (text[p.pos] == ' ' || text[p.pos] == '\t' ||
                                  text[p.pos] == '\n' || text[p.pos] == '\r')) {
            p.pos++;
        }
        if (p.pos == length) {
            break;
        }
        int error = p.expect == END ? JSON_ERROR_SYNTAX : step(&p);
        if (error) {
            *error_at = p.pos;
            return error;
        }
    }
    *error_at = p.pos;
    return p.expect == END ? (int)p.count : JSON_ERROR_TRUNCATED;
}
