/* A libFuzzer harness for the module loader, built for the host with AddressSanitizer and
 * UndefinedBehaviorSanitizer by sim/hostfuzz.py (which also writes hostfuzz_config.h: the
 * board's core, FPU and arena, and the firmware API's names and major version).
 *
 * It runs one job's modules through every stage of loader.h as the firmware's module_jobs.c
 * does: loader_read and loader_link for each resident library and then the module, loader_find
 * on the module, loader_init on all of them, loader_unload in reverse. Module code never runs
 * (run_constructor only checks the pointer, and says the constructor came back or, as the
 * firmware's hook does when one faults, that it did not): the parser and linker are under
 * test, not the Arm code they load.
 *
 * The arena is poisoned for ASan wherever the loader has no business: the free space above
 * the last module, the alignment gap below each module's code, and the images of resident
 * libraries while a later module is read and linked (only their tables may be read). Breaches
 * of the loader's promises that ASan cannot see (a status outside loader_status, a refused
 * module keeping memory, a layout FORMAT.md does not allow, an entry or constructor outside
 * the module, loader_check_exports judging a table wrongly) abort, which libFuzzer reports as
 * a crash.
 *
 * An input is a job's module files:
 *   byte 0     options: bit 0 set keeps every file's CRC field as it is; clear, the harness
 *              writes the right CRC into each file first, so mutations reach the checks behind
 *              the CRC (sim/fuzz.py tries its mutants both ways for the same reason); bit 1
 *              set makes every constructor fail
 *   byte 1     how many resident libraries come first, modulo JOB_MAX_DEPS + 1
 *   residents  each a u32 length (little-endian; clamped to what is left) and that many bytes
 *   the rest   the module file the job runs
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include "../../src/joblist.h" /* JOB_MAX_DEPS: how many resident libraries a job may load */
#include "hostfuzz_config.h"
#include "loader.h"

#define OPTION_KEEP_CRC 0x01u
#define OPTION_CONSTRUCTORS_FAIL 0x02u
#define FUZZED_EXPORTS_MAX 16u /* entries of the table loader_check_exports is fuzzed on */

/* --- the environment: what module_jobs_init() sets up on the board ------------------------ */

static const uint32_t crc32_table[LOADER_CRC32_TABLE_ENTRIES] = LOADER_CRC32_TABLE;
static const char *const export_names[] = {HOSTFUZZ_EXPORT_NAMES};
#define EXPORT_COUNT (sizeof export_names / sizeof export_names[0])

static export_entry export_entries[EXPORT_COUNT];
static uint8_t export_targets[EXPORT_COUNT]; /* distinct addresses for the exports to have */
static export_table exports;

static uint8_t arena_bytes[HOSTFUZZ_ARENA_BYTES] __attribute__((aligned(HOSTFUZZ_ARENA_BYTES)));
static loader_arena arena;
static loader_env env;
static int constructors_fail; /* the input's OPTION_CONSTRUCTORS_FAIL */

static void require(int condition, const char *promise)
{
    if (!condition) {
        fprintf(stderr, "loader_fuzz: the loader broke a promise: %s\n", promise);
        abort();
    }
}

static int by_hash_then_name(const void *left, const void *right)
{
    const export_entry *a = left;
    const export_entry *b = right;
    if (a->hash != b->hash) {
        return a->hash < b->hash ? -1 : 1;
    }
    return strcmp(a->name, b->name);
}

/* The firmware's table as sim/exports.py generates it: sorted by (hash, name), checksummed. */
static void build_export_table(void)
{
    for (size_t i = 0; i < EXPORT_COUNT; i++) {
        export_entries[i].hash = loader_name_hash(export_names[i]);
        export_entries[i].name = export_names[i];
        export_entries[i].address = &export_targets[i];
    }
    qsort(export_entries, EXPORT_COUNT, sizeof export_entries[0], by_hash_then_name);
    exports.magic = EXPORT_TABLE_MAGIC;
    exports.api_major = HOSTFUZZ_API_MAJOR;
    exports.api_minor = HOSTFUZZ_API_MINOR;
    exports.count = EXPORT_COUNT;
    exports.entries = export_entries;
    exports.checksum = loader_crc32(crc32_table, 0, export_entries,
                                    (uint32_t)sizeof export_entries);
    require(loader_check_exports(&exports, crc32_table) == LOADER_OK,
            "a well-formed export table passes");
}

/* The firmware's hook prints the name (rec_str): read all of it, as that would. */
static void report_unresolved(void *context, const char *name)
{
    (void)context;
    volatile size_t length = strlen(name);
    (void)length;
}

/* Check the constructor loader_init hands over, and do not call it: it is Arm code. */
static int run_constructor(void *context, void (*constructor)(void))
{
    const loaded_module *module = context;
    /* The loader works in 32-bit addresses (FORMAT.md), so compare the low 32 bits. */
    uint32_t target = (uint32_t)(uintptr_t)constructor;
    uint32_t base = (uint32_t)(uintptr_t)module->base;
    require((target & 1u) != 0u && target - base < module->header.text_size,
            "a constructor is Thumb code inside its module's text");
    return constructors_fail;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    build_export_table();
    env.core = HOSTFUZZ_CORE;
    env.fpu = HOSTFUZZ_FPU;
    env.exports = &exports;
    env.crc32_table = crc32_table;
    env.report_unresolved = report_unresolved;
    env.run_constructor = run_constructor;
    return 0;
}

/* --- module files in memory --------------------------------------------------------------- */

typedef struct {
    loader_source base;
    uint8_t *bytes; /* a heap copy of exactly size bytes, so ASan sees a read past the end */
} memory_source;

static int memory_read(loader_source *self, uint32_t offset, void *dst, uint32_t len)
{
    const memory_source *source = (const memory_source *)self;
    if (offset > self->size || len > self->size - offset) {
        return -1;
    }
    memcpy(dst, source->bytes + offset, len);
    return 0;
}

static void open_file(memory_source *source, const uint8_t *data, size_t size, int keep_crc)
{
    source->base.read = memory_read;
    source->base.size = (uint32_t)size;
    source->bytes = malloc(size == 0u ? 1u : size);
    require(source->bytes != NULL, "(the host has memory for the input)");
    memcpy(source->bytes, data, size);
    if (!keep_crc && size >= sizeof(mod_header)) {
        uint32_t crc = 0;
        memcpy(source->bytes + offsetof(mod_header, crc32), &crc, sizeof crc);
        crc = loader_crc32(crc32_table, 0, source->bytes, (uint32_t)size);
        memcpy(source->bytes + offsetof(mod_header, crc32), &crc, sizeof crc);
    }
}

typedef struct {
    memory_source files[JOB_MAX_DEPS + 1]; /* the residents in load order, then the module */
    unsigned count;
} job_files;

static uint32_t read_u32(const uint8_t *bytes)
{
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
           (uint32_t)bytes[3] << 24;
}

/* Split an input into its files (the layout at the top of this file). */
static int split_input(const uint8_t *data, size_t size, job_files *job)
{
    if (size < 2u) {
        return 0;
    }
    int keep_crc = (data[0] & OPTION_KEEP_CRC) != 0u;
    constructors_fail = (data[0] & OPTION_CONSTRUCTORS_FAIL) != 0u;
    unsigned residents = data[1] % (JOB_MAX_DEPS + 1u);
    size_t at = 2;
    job->count = 0;
    for (unsigned k = 0; k < residents && size - at >= 4u; k++) {
        size_t length = read_u32(data + at);
        at += 4u;
        length = length < size - at ? length : size - at;
        open_file(&job->files[job->count++], data + at, length, keep_crc);
        at += length;
    }
    open_file(&job->files[job->count++], data + at, size - at, keep_crc);
    return 1;
}

static void close_files(job_files *job)
{
    for (unsigned k = 0; k < job->count; k++) {
        free(job->files[k].bytes);
    }
}

/* --- the job ------------------------------------------------------------------------------ */

static void poison(const void *from, const void *to)
{
    ASAN_POISON_MEMORY_REGION(from, (size_t)((const uint8_t *)to - (const uint8_t *)from));
}

static void unpoison(const void *from, const void *to)
{
    ASAN_UNPOISON_MEMORY_REGION(from, (size_t)((const uint8_t *)to - (const uint8_t *)from));
}

static void check_status(int status)
{
    require(status <= LOADER_OK && status >= LOADER_E_BAD_EXPORTS,
            "a stage returns a loader_status");
}

static int on_segment(const uint8_t *address)
{
    return (size_t)(address - arena.start) % arena.segment_align == 0u;
}

/* The layout FORMAT.md gives: [text | padding | data | bss | tables], text and data each on a
 * segment boundary, all of it above the memory that was free before. */
static void check_layout(const loaded_module *module, const uint8_t *free_before)
{
    const mod_header *h = &module->header;
    const uint8_t *tables = module->data + h->data_size + h->bss_size;
    uint32_t tables_bytes = 4u * h->fixup_count + 12u * (h->import_count + h->export_count) +
                            h->strings_size;
    require(module->block_start == free_before && module->base >= free_before,
            "a module is placed in the free memory");
    require(on_segment(module->base) && on_segment(module->data),
            "text and data start on segment boundaries");
    require(module->data >= module->base + h->text_size, "data comes after the text");
    require((const uint8_t *)module->fixups == tables && (const char *)tables +
            tables_bytes - h->strings_size == module->strings, "the tables follow the bss");
    require(arena.top >= tables + tables_bytes && arena.top <= arena.end,
            "the arena's top covers the module and stays in the arena");
}

/* Where loader_find may point: the module's text, or its data and bss (Thumb bit aside). */
static void check_found(const loaded_module *module, const void *address)
{
    const mod_header *h = &module->header;
    const uint8_t *at = (const uint8_t *)((uintptr_t)address & ~(uintptr_t)1u);
    int in_text = at >= module->base && at < module->base + h->text_size;
    int in_data = at >= module->data && at < module->data + h->data_size + h->bss_size;
    require(in_text || in_data, "an export found by name is inside its module");
}

static int read_and_link(memory_source *file, loaded_module *module, unsigned *loaded)
{
    uint8_t *free_before = arena.top;
    unpoison(free_before, arena.end);
    int status = loader_read(&env, &arena, &file->base, module);
    check_status(status);
    if (status != LOADER_OK) {
        require(arena.top == free_before, "a refused module gives its memory back");
        poison(free_before, arena.end);
        return status;
    }
    check_layout(module, free_before);
    (*loaded)++;
    poison(module->block_start, module->base);
    poison(arena.top, arena.end);
    status = loader_link(&env, module);
    check_status(status);
    return status;
}

/* loader_find with the names a job could ask for: the usual entries and the module's own. */
static void find_names(const loaded_module *module)
{
    static const char *const usual[] = {"module_main", "_start", "addition", ""};
    void *address = NULL;
    for (size_t i = 0; i < sizeof usual / sizeof usual[0]; i++) {
        int status = loader_find(module, usual[i], &address);
        check_status(status);
        if (status == LOADER_OK) {
            check_found(module, address);
        }
    }
    for (uint32_t i = 0; i < module->header.export_count && i < 4u; i++) {
        const mod_export *export = &module->exports[i];
        const char *name = module->strings + export->name;
        int status = loader_find(module, name, &address);
        /* The loader goes by the hash the file gives: a wrong one hides the export. */
        require(status == LOADER_OK || export->name_hash != loader_name_hash(name),
                "an export is found by its name");
        if (status == LOADER_OK) {
            check_found(module, address);
        }
    }
}

static void init_all(loaded_module *modules, unsigned count)
{
    for (unsigned k = 0; k < count; k++) {
        unpoison(modules[k].base, modules[k].fixups); /* constructors' pointers are in text */
    }
    for (unsigned k = 0; k < count; k++) {
        env.context = &modules[k];
        int status = loader_init(&env, &modules[k]);
        check_status(status);
        if (status != LOADER_OK) {
            return;
        }
    }
}

/* What module_job_run() does with the loader: load and link the residents and the module,
 * stop at the first failure, find names and run constructors when all are linked, unload. */
static void run_job(job_files *job)
{
    unpoison(arena_bytes, arena_bytes + sizeof arena_bytes);
    memset(arena_bytes, 0, sizeof arena_bytes); /* each input sees the same arena */
    arena.start = arena.top = arena_bytes;
    arena.end = arena_bytes + sizeof arena_bytes;
    arena.segment_align = HOSTFUZZ_SEGMENT_BYTES;

    loaded_module modules[JOB_MAX_DEPS + 1];
    const loaded_module *residents[JOB_MAX_DEPS];
    env.residents = residents;
    env.resident_count = 0;
    unsigned loaded = 0;
    int status = LOADER_OK;
    for (unsigned k = 0; k < job->count && status == LOADER_OK; k++) {
        status = read_and_link(&job->files[k], &modules[k], &loaded);
        if (status == LOADER_OK && k + 1u < job->count) {
            residents[env.resident_count++] = &modules[k];
            poison(modules[k].base, modules[k].fixups); /* later modules read only its tables */
        }
    }
    if (status == LOADER_OK) {
        find_names(&modules[loaded - 1u]);
        init_all(modules, loaded);
    }
    while (loaded > 0u) {
        loaded--;
        loader_unload(&arena, &modules[loaded]);
        require(arena.top == modules[loaded].block_start, "unloading gives the memory back");
    }
    require(arena.top == arena.start, "a job leaves the arena as it found it");
}

/* --- loader_check_exports on a table made from the input ---------------------------------- */

/* Up to FUZZED_EXPORTS_MAX entries whose hashes are the input's first words, with the right
 * checksum unless bit 0 of the input's last byte is set and the right magic unless bit 1 is.
 * The loader must accept exactly the tables that have the magic, are not empty, ascend by hash
 * and have the right checksum. */
static void fuzz_check_exports(const uint8_t *data, size_t size)
{
    export_entry entries[FUZZED_EXPORTS_MAX];
    memset(entries, 0, sizeof entries);
    uint32_t count = (uint32_t)(size / 4u < FUZZED_EXPORTS_MAX ? size / 4u : FUZZED_EXPORTS_MAX);
    int ascending = 1;
    for (uint32_t i = 0; i < count; i++) {
        entries[i].hash = read_u32(data + 4u * i);
        ascending = ascending && (i == 0u || entries[i - 1u].hash <= entries[i].hash);
    }
    uint8_t last = size > 0u ? data[size - 1u] : 0u;
    int bad_checksum = (last & 1u) != 0u;
    int bad_magic = (last & 2u) != 0u;
    export_table table = {EXPORT_TABLE_MAGIC ^ (bad_magic ? 1u : 0u), HOSTFUZZ_API_MAJOR,
                          HOSTFUZZ_API_MINOR, count,
                          loader_crc32(crc32_table, 0, entries,
                                       count * (uint32_t)sizeof entries[0]) ^
                              (bad_checksum ? 1u : 0u),
                          entries};
    int well_formed = count > 0u && ascending && !bad_checksum && !bad_magic;
    int expected = well_formed ? LOADER_OK : LOADER_E_BAD_EXPORTS;
    require(loader_check_exports(&table, crc32_table) == expected,
            "loader_check_exports accepts exactly the well-formed tables");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_check_exports(data, size);
    job_files job;
    if (split_input(data, size, &job)) {
        run_job(&job);
        close_files(&job);
    }
    return 0;
}
