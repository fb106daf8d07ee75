/* A JSON tokenizer for small targets: no allocation, no copies. It fills a caller's array of
 * tokens, each naming its kind, where it lies in the text and, for objects and arrays, how
 * many direct children it has (an object's are its keys, an array's its elements). It checks the grammar of RFC 8259: nesting, commas and colons, string escapes,
 * number syntax and the literals true, false and null. */
#ifndef JSON_TOKENS_H
#define JSON_TOKENS_H

#include <stdint.h>

enum json_kind { JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_NUMBER, JSON_LITERAL };

struct json_token {
    uint8_t kind;       /* enum json_kind */
    uint8_t children;   /* objects: keys; arrays: elements; else 0 */
    uint16_t start;     /* offset of the first byte (strings: after the quote) */
    uint16_t end;       /* offset after the last byte (strings: of the closing quote) */
};

#define JSON_MAX_DEPTH 16

#define JSON_ERROR_SYNTAX (-1)        /* a byte the grammar does not allow here */
#define JSON_ERROR_TRUNCATED (-2)     /* the text ends inside a value */
#define JSON_ERROR_NO_TOKENS (-3)     /* more tokens than the array holds */
#define JSON_ERROR_TOO_DEEP (-4)      /* nested deeper than JSON_MAX_DEPTH */

/* Returns the number of tokens (the document's one value and everything in it), or one of
 * the negative errors above; *error_at is set to the offset where the error was found. */
int json_tokenize(const char *text, uint32_t length, struct json_token *tokens,
                  uint32_t max_tokens, uint32_t *error_at);

#endif
