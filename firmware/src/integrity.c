#include "integrity.h"

#include <stddef.h>
#include <stdint.h>

#include "crc32.h"
#include "firmware_exports.h"
#include "loader.h"

#define CANARY_VALUE 0xCA11AB1Eu

/* Placed by boards/sections.ld: the main stack's lowest word, and the word below the arena. */
__attribute__((section(".canary.stack"), used)) static volatile uint32_t stack_canary;
__attribute__((section(".canary.arena"), used, aligned(8))) static volatile uint32_t arena_canary[2];

static int exports_were_intact; /* a table bad from boot on is reported at boot, not per job */

void integrity_init(void)
{
    stack_canary = CANARY_VALUE;
    arena_canary[0] = arena_canary[1] = CANARY_VALUE;
    exports_were_intact = loader_check_exports(&firmware_exports, firmware_crc32_table) == LOADER_OK;
}

const char *integrity_check(void)
{
    if (stack_canary != CANARY_VALUE) {
        return "stack_canary";
    }
    if (arena_canary[0] != CANARY_VALUE || arena_canary[1] != CANARY_VALUE) {
        return "arena_canary";
    }
    if (exports_were_intact && loader_check_exports(&firmware_exports, firmware_crc32_table) != LOADER_OK) {
        return "exports";
    }
    return NULL;
}
