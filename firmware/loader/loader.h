/* The module loader library: the public API. Everything a firmware needs to load module files
 * (FORMAT.md) is declared here; loader.c is the implementation, and loader_strerror.c the
 * error names (optional: linked only if called). The library holds no globals, calls no
 * malloc, and has no board, console or semihosting code: modules arrive through a
 * loader_source, memory comes from a loader_arena, and what the running firmware and core
 * offer is described by a loader_env. All three belong to the caller.
 *
 * A load is a staged pipeline, each stage timed apart by the caller if it likes:
 *
 *   loader_read    check the header, allocate from the arena, read, check the CRC and tables
 *   loader_link    check the float ABI against residents, apply fix-ups, bind imports, make
 *                  the code executable (env->sync_code, then DSB and ISB)
 *   loader_init    run the constructors
 *   loader_find    look up the entry (or any export) by name
 *   loader_unload  give the module's memory back (it and everything loaded after it)
 *
 * Ownership and cleanup, in one rule: the arena is the caller's, and the caller gives memory
 * back, last in first out. Take a mark (loader_arena_mark) before the first loader_read of a
 * job; whatever fails, at any stage, releasing to that mark (loader_arena_release) is all the
 * cleanup there is, and it is also how a job that went well ends. In detail:
 *   - loader_read that fails has taken nothing from the arena (it gives back what it took);
 *   - loader_link, loader_init or loader_find that fails leaves the module loaded, as it was:
 *     the caller may still read it (which imports were bound, for a report), then releases;
 *   - loader_unload(arena, module) is the same release, to where that module's block began.
 * The library never keeps a pointer to anything between calls: a loaded_module is a plain
 * record the caller owns (the arena holds the bytes it points to).
 *
 * Every stage returns LOADER_OK (0) or a negative loader_status; loader_strerror() gives the
 * error's name, the one module.toml's expect.error and the reports use. FORMAT.md, "Rules the
 * loader enforces", lists which check gives which error, in the order the loader makes them.
 *
 * One job, from a firmware whose env and arena are set up and whose export table passed
 * loader_check_exports once at boot (firmware/src/module_jobs.c does this and more):
 *
 *     loader_mark mark = loader_arena_mark(&arena);
 *     loaded_module module;
 *     void *entry = NULL;
 *     int status = loader_read(&env, &arena, &source, &module);
 *     if (status == LOADER_OK) status = loader_link(&env, &module);
 *     if (status == LOADER_OK) status = loader_find(&module, "module_main", &entry);
 *     if (status == LOADER_OK) status = loader_init(&env, &module);
 *     if (status == LOADER_OK) result = ((int (*)(int, int, int, int))entry)(1, 2, 3, 4);
 *     loader_arena_release(&arena, mark);         (whatever happened)
 *     report(loader_strerror(status));
 */
#ifndef LOADER_H
#define LOADER_H

#include <stdint.h>

#include "crc32_table.h"
#include "export_table.h"
#include "module_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every status, once: X(enumerator suffix, name, value). The enum and loader_strerror's names
 * are both made from this list, and the host (sim/jobs.py, LOADER_ERRORS) reads the names from
 * here, so the firmware and the reports cannot spell an error differently. Values are dense
 * from 0 down, so a name is found by position. */
#define LOADER_STATUSES(X)                                                                      \
    X(OK, ok, 0)                 /* the stage did what it says */                               \
    X(E_BAD_MAGIC, bad_magic, -1)     /* not a module file: magic is not "CMOD" */              \
    X(E_BAD_VERSION, bad_version, -2) /* format version not 1, or another firmware API major */ \
    X(E_BAD_CRC, bad_crc, -3)         /* the file's CRC-32 does not match its bytes */          \
    X(E_TRUNCATED, truncated, -4)     /* the source has fewer bytes than the header says */     \
    X(E_BAD_HEADER, bad_header, -5)   /* a header field or table entry breaks a FORMAT.md rule */ \
    X(E_BAD_ARCH, bad_arch, -6)       /* code for a newer core or wider FPU, or a float ABI     \
                                         unlike a resident library's */                         \
    X(E_UNRESOLVED, unresolved, -7)   /* an import nothing provides (each one was reported) */  \
    X(E_NO_MEMORY, no_memory, -8)     /* the arena cannot hold the module */                    \
    X(E_BAD_RELOC, bad_reloc, -9)     /* a fix-up of unknown kind, or outside text or data */   \
    X(E_STARTUP, startup, -10)        /* a constructor pointer outside the code, or a           \
                                         constructor that did not come back (run_constructor) */ \
    X(E_NO_ENTRY, no_entry, -11)      /* loader_find: the module exports no such name */        \
    X(E_BAD_EXPORTS, bad_exports, -12) /* loader_check_exports: the export table is damaged */

#define LOADER_STATUS_ENUMERATOR(suffix, name, value) LOADER_##suffix = (value),
typedef enum { LOADER_STATUSES(LOADER_STATUS_ENUMERATOR) } loader_status;
#undef LOADER_STATUS_ENUMERATOR

/* The status's name ("bad_crc"), "ok" for LOADER_OK, "unknown" for a value not in the list.
 * The string is static; never NULL. */
const char *loader_strerror(int status);


/* Where module bytes come from: semihosting, a buffer, flash. The caller's; the loader only
 * calls read, during loader_read. */
typedef struct loader_source {
    /* Copy len bytes from offset to dst. Returns 0, or -1 if they are not all there (the
     * loader then fails with LOADER_E_TRUNCATED). */
    int (*read)(struct loader_source *self, uint32_t offset, void *dst, uint32_t len);
    uint32_t size;                 /* the file's bytes: it must be exactly what the header says */
} loader_source;

/* A bump allocator over [start, end): modules are loaded and unloaded last in, first out. Each
 * module's code starts on a segment_align boundary and its data on the next data_align one
 * after the code, so a memory protection unit with that granule can make code executable and
 * data not. The caller sets every field once (top = start). Then loader_read moves top up, and
 * the caller moves it down only through loader_arena_release or loader_unload; it may move it
 * up itself after a load, to pad the module's block (the reference firmware pads to QEMU's
 * 1 KiB pages), and that padding goes back with the module. */
typedef struct {
    uint8_t *start;
    uint8_t *end;
    uint8_t *top;                  /* the first free byte */
    uint32_t segment_align;        /* a power of two; below 8 means 8 */
    uint32_t data_align;           /* a power of two; below segment_align means segment_align */
} loader_arena;

/* A point in the arena to give memory back to: everything allocated after it. */
typedef uint8_t *loader_mark;

static inline loader_mark loader_arena_mark(const loader_arena *arena)
{
    return arena->top;
}

/* Give back everything allocated since the mark was taken: every module loaded after it (they
 * must no longer run, and nothing may use their exports). */
static inline void loader_arena_release(loader_arena *arena, loader_mark mark)
{
    arena->top = mark;
}

struct loaded_module;

/* loader_env.sync_code: the caller's cache maintenance over code the loader wrote (below). */
typedef void loader_sync_code_fn(void *context, const void *start, uint32_t bytes);

/* The enum mod_core code of the core whose CPUID register (0xE000ED00) reads `cpuid`, by its
 * part number (CPUID[15:4]), for loader_env.core; MOD_CORE_UNKNOWN for any other part (the
 * loader then refuses every module as bad_arch). sim/cores.py holds the same table
 * (tests/unit/test_loader_library.py keeps the two equal). */
static inline uint8_t loader_core_from_cpuid(uint32_t cpuid)
{
    switch ((cpuid >> 4) & 0xFFFu) {
    case 0xC20u: return MOD_CORE_M0;
    case 0xC23u: return MOD_CORE_M3;
    case 0xC24u: return MOD_CORE_M4;
    case 0xC27u: return MOD_CORE_M7;
    case 0xD21u: return MOD_CORE_M33;
    case 0xD22u: return MOD_CORE_M55;
    default: return MOD_CORE_UNKNOWN;
    }
}

/* What the running firmware and core offer. The caller's, read by every stage; the loader
 * calls the hooks with `context`. */
typedef struct {
    uint8_t core;                  /* enum mod_core: the running CPU (loader_core_from_cpuid) */
    uint8_t fpu;                   /* enum mod_fpu enabled on the running CPU */
    const export_table *exports;   /* the firmware's, checked once with loader_check_exports */
    /* The CRC-32 table (crc32_table.h: LOADER_CRC32_TABLE), where the firmware put it. */
    const uint32_t *crc32_table;
    /* Resident modules (libraries loaded before, still in the arena): imports the export
     * table lacks resolve against their exports, in this order. */
    const struct loaded_module *const *residents;
    uint32_t resident_count;
    /* Called once per import nothing provides, before loader_link fails. NULL: not told. */
    void (*report_unresolved)(void *context, const char *name);
    /* Runs one constructor and returns 0, or non-zero if it did not come back normally (the
     * reference firmware runs it as contained, unprivileged job code). NULL: call it directly. */
    int (*run_constructor)(void *context, void (*constructor)(void));
    /* Cache maintenance, the caller's because only it knows its caches: make [start, start +
     * bytes), code the loader has just written as data, safe to execute: clean the D-cache and
     * invalidate the I-cache over it (ARMv7-M ARM B2.2.7; the reference firmware's is
     * firmware/src/cache.c, for the Cortex-M7). loader_link calls it once per module it links,
     * over the module's text, before its own DSB and ISB. NULL: only that DSB and ISB, which is
     * all a core without caches needs. */
    loader_sync_code_fn *sync_code;
    void *context;
} loader_env;

/* One loaded module: a record the caller owns (loader_read fills it). Its pointers are into the
 * arena; they stay valid until the module is unloaded. */
typedef struct loaded_module {
    mod_header header;
    uint8_t *base;                 /* text (code, read-only data, constructors) */
    uint8_t *data;                 /* data then bss, at the first data_align boundary after text */
    const uint32_t *fixups;
    const mod_import *imports;
    const mod_export *exports;
    const char *strings;
    uint8_t *block_start;          /* the arena's top before this module: loader_unload's mark */
} loaded_module;

/* Check the firmware's export table once, before any load: magic, a non-zero count, entries
 * sorted by hash, and the checksum over the entries (through crc32_table, as loader_crc32).
 * LOADER_OK, or LOADER_E_BAD_EXPORTS: the table must not be used (fail closed: refuse every
 * module). Nothing is allocated. */
int loader_check_exports(const export_table *table, const uint32_t *crc32_table);

/* Read one module file from source into the arena and check everything a file alone can say
 * (FORMAT.md, "Rules the loader enforces", read stage: header, arch tag, API major, length,
 * arena room, CRC, tables), then zero its bss. On LOADER_OK the module holds arena memory from
 * module->block_start up: nothing of it has run and no import is bound yet. On failure the
 * arena is as it was (nothing to give back) and *module is not a loaded module.
 * Errors: bad_magic, bad_version, bad_header, truncated, bad_arch, no_memory, bad_crc,
 * bad_reloc. */
int loader_read(const loader_env *env, loader_arena *arena, loader_source *source,
                loaded_module *module);

/* Link a module loader_read gave: refuse it if its float ABI (how floating-point arguments
 * travel) differs from any resident's (bad_arch, before anything is written: the float-ABI
 * check, FORMAT.md "Architecture"); move every fix-up to the load addresses; bind every import,
 * the firmware's exports first, then each resident's in order (unresolved after reporting each
 * missing name; the found ones are still bound); when all are bound, env->sync_code over the
 * text; then DSB, ISB. Whatever it returns, the module stays loaded: release it (or the job's
 * mark) when done. Run no code of a module whose link failed. */
int loader_link(const loader_env *env, loaded_module *module);

/* Run a linked module's constructors in order, each through env->run_constructor. startup if
 * a constructor pointer, as linked, is not a Thumb address inside the module's text (each is
 * checked just before it is called), or run_constructor returned non-zero; the constructors
 * before it have run. The module stays loaded either way. */
int loader_init(const loader_env *env, const loaded_module *module);

/* The address of the module's export `name` (Thumb bit set for a function) in *address, or
 * no_entry and NULL. The first export in table order whose stored hash and name both match. */
int loader_find(const loaded_module *module, const char *name, void **address);

/* Give back the module's memory and that of every module loaded after it (last in, first out):
 * loader_arena_release to module->block_start. Constructors are not undone; run no more of its
 * code. */
void loader_unload(loader_arena *arena, const loaded_module *module);

/* Where the module's link-time offset (as the packer laid it out: text, then data at
 * text_size) is at run time. */
uint8_t *loader_address(const loaded_module *module, uint32_t offset);

/* FNV-1a, 32 bits, of a NUL-terminated name: the hash imports and exports store. */
uint32_t loader_name_hash(const char *name);
/* CRC-32 (IEEE, as zlib: crc 0 starts one) of len more bytes, through a LOADER_CRC32_TABLE. */
uint32_t loader_crc32(const uint32_t *table, uint32_t crc, const void *data, uint32_t len);

#ifdef __cplusplus
}
#endif

#endif
