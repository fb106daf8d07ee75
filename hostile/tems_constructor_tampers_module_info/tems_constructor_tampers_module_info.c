/* A TEMS module whose constructor looks for the ModuleInfo table in the module arena, from its
 * own data up to the arena's end (the bounds come as -DARENA_START= and -DARENA_END= from the
 * firmware ELF: constructors get no arguments), and sets its length to 0. From its own data,
 * not the arena's start: under PMSAv8 the module may touch only its own regions, and the table
 * is above its block on every board.
 * The firmware builds the table before constructors run and never reads it again, so the
 * damage stays with this module: _start(info, 0) then finds no printf and answers 1, a symbol
 * error, and the job is rejected as unresolved; nothing else changes. */
#include <stdint.h>

#ifndef ARENA_END
#define ARENA_START 0 /* built without the test's defines: look nowhere */
#define ARENA_END 0
#endif
#define MAX_EXPORTS 1024u
#define THUMB 1u

struct ModuleInfo {
    uint32_t version;
    uint32_t length;
    struct {
        const char *name;
        uintptr_t addr;
    } sym[];
};

enum { ACTION_START = 0, SYMBOL_ERROR = 1 };

static const uintptr_t arena_start = ARENA_START;
static const uintptr_t arena_end = ARENA_END;
static volatile uint32_t tables_found;

static int outside_the_arena(uintptr_t address)
{
    return address != 0u && (address < arena_start || address >= arena_end);
}

/* Version 0, a plausible length, then that many {name, Thumb function} pairs pointing out of
 * the arena: the firmware's export names and functions. */
static int looks_like_module_info(const volatile uint32_t *words, const volatile uint32_t *end)
{
    uint32_t length = words[1];
    if (words[0] != 0u || length == 0u || length > MAX_EXPORTS ||
        (uint32_t)(end - words) < 2u + 2u * length) {
        return 0;
    }
    for (uint32_t i = 0; i < length; i++) {
        uint32_t name = words[2u + 2u * i], address = words[3u + 2u * i];
        if (!outside_the_arena(name) || !outside_the_arena(address) || !(address & THUMB)) {
            return 0;
        }
    }
    return 1;
}

__attribute__((constructor)) static void tamper(void)
{
    volatile uint32_t *end = (volatile uint32_t *)arena_end;
    for (volatile uint32_t *words = (volatile uint32_t *)((uintptr_t)&tables_found & ~3u);
         words + 2 <= end; words++) {
        if (looks_like_module_info(words, end)) {
            words[1] = 0u; /* length */
            tables_found++;
        }
    }
}

static int same(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

int _start(struct ModuleInfo *info, int action)
{
    for (uint32_t i = 0; i < info->length; i++) {
        if (same(info->sym[i].name, "printf")) {
            return action == ACTION_START ? 0 : 66 + (int)tables_found;
        }
    }
    return SYMBOL_ERROR;
}
