/* A small text library of the usual shape: many global functions, of which a module uses a
 * few. Only what the entry reaches is linked (module.toml exports nothing else), so the rest
 * costs no flash: compare "text before gc B" with "text B" in the summary. */
#include <stddef.h>
#include <stdint.h>

#include "text_tools.h"

uint32_t text_fnv1a(const char *text)
{
    uint32_t hash = 0x811C9DC5u;
    while (*text != '\0') {
        hash = (hash ^ (uint8_t)*text++) * 0x01000193u;
    }
    return hash;
}

size_t text_count_vowels(const char *text)
{
    size_t count = 0;
    for (; *text != '\0'; text++) {
        switch (*text | 0x20) {
        case 'a': case 'e': case 'i': case 'o': case 'u': count++; break;
        default: break;
        }
    }
    return count;
}

void text_rot13(char *text)
{
    for (; *text != '\0'; text++) {
        char c = *text;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            char base = c >= 'a' ? 'a' : 'A';
            *text = (char)(base + (c - base + 13) % 26);
        }
    }
}

void text_reverse(char *text, size_t length)
{
    for (size_t i = 0; i < length / 2; i++) {
        char c = text[i];
        text[i] = text[length - 1 - i];
        text[length - 1 - i] = c;
    }
}

size_t text_split_words(const char *text, const char **starts, size_t most)
{
    size_t found = 0;
    int in_word = 0;
    for (; *text != '\0'; text++) {
        int letter = *text != ' ' && *text != '\t' && *text != '\n';
        if (letter && !in_word && found < most) {
            starts[found++] = text;
        }
        in_word = letter;
    }
    return found;
}

int text_parse_int(const char *text, int32_t *value)
{
    int sign = 1;
    int32_t result = 0;
    if (*text == '-') {
        sign = -1;
        text++;
    }
    if (*text < '0' || *text > '9') {
        return -1;
    }
    while (*text >= '0' && *text <= '9') {
        result = result * 10 + (*text++ - '0');
    }
    *value = sign * result;
    return *text == '\0' ? 0 : -1;
}
