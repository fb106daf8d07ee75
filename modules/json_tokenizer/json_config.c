/* Tokenizes a device configuration document with json_tokens.c and reads it the way firmware
 * does: counts the tokens of each kind, sums every integer, finds values by key, and checks
 * that eight malformed documents are each refused with the error RFC 8259 implies, at the
 * right byte. Prints what it found; returns a checksum of all of it. */
#include <stdio.h>
#include <string.h>

#include "json_tokens.h"

static const char config[] =
    "{\n"
    "  \"device\": \"pump-controller-07\",\n"
    "  \"version\": [2, 4, 1],\n"
    "  \"sample_rate_hz\": 250,\n"
    "  \"calibration\": {\"offset\": -12, \"gain\": 1.0125, \"trim\": [3, -1, 0, 7]},\n"
    "  \"channels\": [\n"
    "    {\"id\": 0, \"name\": \"inlet \\\"A\\\"\", \"enabled\": true, \"limit\": 400},\n"
    "    {\"id\": 1, \"name\": \"outlet\\u00b0\", \"enabled\": false, \"limit\": 1e3},\n"
    "    {\"id\": 2, \"name\": \"spare\", \"enabled\": null, \"limit\": -0.5E-2}\n"
    "  ],\n"
    "  \"tags\": [],\n"
    "  \"notes\": {}\n"
    "}\n";

struct malformed {
    const char *text;
    int error;
    uint32_t at;
};

/* Each breaks one rule of RFC 8259; the error and the offset it must be found at. */
static const struct malformed malformed[] = {
    {"[1, 2,]", JSON_ERROR_SYNTAX, 6},              /* trailing comma */
    {"{\"a\" 1}", JSON_ERROR_SYNTAX, 5},            /* missing colon */
    {"{\"a\": 1]", JSON_ERROR_SYNTAX, 7},           /* mismatched bracket */
    {"\"tab\there\"", JSON_ERROR_SYNTAX, 4},        /* unescaped control character */
    {"[\"\\x\"]", JSON_ERROR_SYNTAX, 3},            /* unknown escape */
    {"[01]", JSON_ERROR_SYNTAX, 2},                 /* leading zero */
    {"{\"open\": [tru", JSON_ERROR_TRUNCATED, 13},  /* text ends inside a literal */
    {"[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]", JSON_ERROR_TOO_DEEP, 16},
};

#define MAX_TOKENS 64

static struct json_token tokens[MAX_TOKENS];

/* The value of an integer token; fractions and exponents count as 0. */
static int32_t integer_value(const char *text, const struct json_token *token)
{
    int32_t value = 0;
    uint32_t i = token->start;
    int negative = text[i] == '-';
    for (i += (uint32_t)negative; i < token->end; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return 0;
        }
        value = value * 10 + (text[i] - '0');
    }
    return negative ? -value : value;
}

/* The index of the value of key `name` among the top-level keys, or -1. Skips nested tokens
 * by their positions: a token starting before the end of the current value is inside it. */
static int find_key(const char *text, int count, const char *name)
{
    uint32_t length = strlen(name);
    for (int i = 1; i + 1 < count; i++) {
        const struct json_token *key = &tokens[i];
        if (key->kind == JSON_STRING && (uint32_t)(key->end - key->start) == length &&
            memcmp(&text[key->start], name, length) == 0) {
            return i + 1;
        }
        uint32_t value_end = tokens[i + 1].end;
        while (i + 2 < count && tokens[i + 2].start < value_end) {
            i++;
        }
        i++;
    }
    return -1;
}

static uint32_t count_malformed_refused(void)
{
    uint32_t refused = 0;
    for (unsigned m = 0; m < sizeof malformed / sizeof malformed[0]; m++) {
        uint32_t at = 0;
        int got = json_tokenize(malformed[m].text, strlen(malformed[m].text), tokens, MAX_TOKENS,
                                &at);
        if (got == malformed[m].error && at == malformed[m].at) {
            refused++;
        } else {
            printf("malformed %u: got %d at %u\n", m, got, (unsigned)at);
        }
    }
    return refused;
}

int module_main(void)
{
    uint32_t error_at = 0;
    int count = json_tokenize(config, sizeof config - 1, tokens, MAX_TOKENS, &error_at);
    if (count < 0) {
        printf("config refused: %d at %u\n", count, (unsigned)error_at);
        return count;
    }
    uint32_t kinds[5] = {0};
    int32_t sum = 0;
    for (int i = 0; i < count; i++) {
        kinds[tokens[i].kind]++;
        if (tokens[i].kind == JSON_NUMBER) {
            sum += integer_value(config, &tokens[i]);
        }
    }
    int rate = find_key(config, count, "sample_rate_hz");
    int channels = find_key(config, count, "channels");
    int32_t rate_value = rate > 0 ? integer_value(config, &tokens[rate]) : -1;
    int channel_count = channels > 0 ? tokens[channels].children : -1;
    printf("tokens %d: %u objects, %u arrays, %u strings, %u numbers, %u literals\n", count,
           (unsigned)kinds[JSON_OBJECT], (unsigned)kinds[JSON_ARRAY], (unsigned)kinds[JSON_STRING],
           (unsigned)kinds[JSON_NUMBER], (unsigned)kinds[JSON_LITERAL]);
    printf("top-level keys %u, integer sum %d, sample_rate_hz %d, channels %d\n",
           (unsigned)tokens[0].children, (int)sum, (int)rate_value, channel_count);
    uint32_t refused = count_malformed_refused();
    printf("malformed refused %u/%u\n", (unsigned)refused,
           (unsigned)(sizeof malformed / sizeof malformed[0]));
    uint32_t checksum = (uint32_t)count;
    for (unsigned k = 0; k < 5; k++) {
        checksum = checksum * 31u + kinds[k];
    }
    checksum = checksum * 31u + (uint32_t)sum;
    checksum = checksum * 31u + (uint32_t)rate_value;
    checksum = checksum * 31u + (uint32_t)channel_count;
    return (int)(checksum * 31u + refused);
}
