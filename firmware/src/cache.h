/* The Cortex-M7's instruction and data caches: on at reset, as real firmware has them, and kept
 * coherent for code the loader writes (loader.h, loader_env.sync_code). Built only into the
 * firmware of a board whose core is the Cortex-M7 (BOARD_CORE_CORTEX_M7, from sim/build.py);
 * elsewhere these do nothing and cost no flash. */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "board_config.h"
#include "loader.h"

/* The Cortex-M7's cache line, for both caches (Cortex-M7 TRM, "Level 1 caches"; its CTR
 * says the same). Maintenance by address works on whole lines of this size. */
#define CACHE_LINE_BYTES 32u

/* The hook's type is the loader's (loader.h, loader_env.sync_code). */
typedef loader_sync_code_fn cache_sync_fn;

#if defined(BOARD_CORE_CORTEX_M7)

/* Whether the running core has the caches this firmware manages. */
int cache_present(void);

/* Invalidate both caches and turn them on (ARMv7-M ARM B2.2.7: an enabled cache must not hold
 * lines from before reset). At reset, before anything is cached. */
void cache_enable_at_reset(void);

/* The loader's sync_code hook, or NULL on a core without caches. The hook cleans the D-cache
 * lines over [start, start + bytes) to the point of unification and invalidates the I-cache
 * lines there, so the core fetches the code just written rather than what an earlier job left
 * at that address, and counts the lines (cache_lines_counted). */
cache_sync_fn *cache_sync_hook(void);

/* The cache lines the hook maintained since cache_count_clear(). */
void cache_count_clear(void);
uint32_t cache_lines_counted(void);

#else

static inline int cache_present(void) { return 0; }
static inline void cache_enable_at_reset(void) {}
static inline cache_sync_fn *cache_sync_hook(void) { return NULL; }
static inline void cache_count_clear(void) {}
static inline uint32_t cache_lines_counted(void) { return 0; }

#endif

#endif
