#ifndef TEXT_TOOLS_H
#define TEXT_TOOLS_H

#include <stddef.h>
#include <stdint.h>

uint32_t text_fnv1a(const char *text);
size_t text_count_vowels(const char *text);
void text_rot13(char *text);
void text_reverse(char *text, size_t length);
size_t text_split_words(const char *text, const char **starts, size_t most);
int text_parse_int(const char *text, int32_t *value);

#endif
