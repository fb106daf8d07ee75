/* Uses two functions of text_tools.c; the link drops the other four. */
#include "text_tools.h"

int module_main(void)
{
    return (int)(text_fnv1a("module") ^ (uint32_t)text_count_vowels("loaded at run time"));
}
