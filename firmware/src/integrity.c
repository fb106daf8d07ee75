#include "integrity.h"

#include <stddef.h>
#include <stdint.h>

#include "loader.h"

#define CANARY_VALUE 0xCA11AB1Eu

/* Placed by boards/sections.ld: the main stack's lowest word, and the word below the arena. */
__attribute__((section(".canary.stack"), used)) static volatile uint32_t stack_canary;
__attribute__((section(".canary.arena"), used)) static volatile uint32_t arena_canary;

void integrity_init(void)
{
    stack_canary = CANARY_VALUE;
    arena_canary = CANARY_VALUE;
}

const char *integrity_check(void)
{
    if (stack_canary != CANARY_VALUE) {
        return "stack_canary";
    }
    if (arena_canary != CANARY_VALUE) {
        return "arena_canary";
    }
    if (loader_check_exports(&firmware_exports) != LOADER_OK) {
        return "exports";
    }
    return NULL;
}
