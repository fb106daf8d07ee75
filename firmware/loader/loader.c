/* The module loader: a staged pipeline over a module file (FORMAT.md). Each stage validates
 * what it is about to use before using it; every failure is a negative loader_status. */
#include "loader.h"

#include <stddef.h>
#include <string.h>

#define FNV_OFFSET_BASIS 0x811C9DC5u
#define FNV_PRIME 0x01000193u
/* No section of a module may exceed 16 MiB: with that cap every size sum below fits in 32
 * bits (5 * 2^24 plus the tables' at most 28 * 65535 bytes), so no 64-bit arithmetic. */
#define MAX_SECTION_BYTES (1u << 24)

/* ARMv6-M cannot load or store an unaligned word, and there gcc makes a __builtin_memcpy of
 * unknown alignment a call to memcpy (about 40 instructions a word): there words that may be
 * unaligned go a byte at a time, and known-aligned ones say so. ARMv7-M's LDR and STR take
 * unaligned words, as does the host the fuzzer builds this for: they keep __builtin_memcpy. */
#if defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB == 1
#define ALIGNED_WORDS_ONLY 1
#else
#define ALIGNED_WORDS_ONLY 0
#endif

#if ALIGNED_WORDS_ONLY
/* The word at `at`, which may be unaligned, a byte at a time. */
static uint32_t read_unaligned_word(const uint8_t *at)
{
    return (uint32_t)at[0] | (uint32_t)at[1] << 8 | (uint32_t)at[2] << 16 | (uint32_t)at[3] << 24;
}

static void write_unaligned_word(uint8_t *at, uint32_t word)
{
    at[0] = (uint8_t)word;
    at[1] = (uint8_t)(word >> 8);
    at[2] = (uint8_t)(word >> 16);
    at[3] = (uint8_t)(word >> 24);
}
#endif

/* The word at `at`, which is word aligned (said so only where it matters: ARMv6-M). */
#if ALIGNED_WORDS_ONLY
#define ALIGNED_WORD(at) __builtin_assume_aligned((at), 4)
#else
#define ALIGNED_WORD(at) (at)
#endif

static uint32_t read_aligned_word(const uint8_t *at)
{
    uint32_t word;
    __builtin_memcpy(&word, ALIGNED_WORD(at), sizeof word);
    return word;
}

static void write_aligned_word(uint8_t *at, uint32_t word)
{
    __builtin_memcpy(ALIGNED_WORD(at), &word, sizeof word);
}

uint32_t loader_name_hash(const char *name)
{
    uint32_t hash = FNV_OFFSET_BASIS;
    while (*name != '\0') {
        hash = (hash ^ (uint8_t)*name++) * FNV_PRIME;
    }
    return hash;
}

/* One byte of the CRC: the table entry for the low byte, and the rest moved down. */
#if ALIGNED_WORDS_ONLY
/* Thumb-1 has no shifted-register addressing: gcc makes the index movs, ands, lsls; the
 * entry's byte offset as two shifts of crc saves one of them (a sixth of the CRC's time). */
#define CRC32_STEP(table, crc) (read_aligned_word((const uint8_t *)(table) + ((crc) << 24 >> 22)) ^ ((crc) >> 8))
#else
#define CRC32_STEP(table, crc) ((table)[(crc) & 0xFFu] ^ ((crc) >> 8))
#endif

/* Table-driven CRC-32, a word at a time: one load and four lookups for four bytes (about four
 * instructions a byte on Cortex-M, against 45 for the bitwise CRC), then the odd bytes. The
 * word's first byte in memory is its low byte (little-endian, as the file format), which is the
 * byte the reflected CRC takes first. */
uint32_t loader_crc32(const uint32_t *table, uint32_t crc, const void *data, uint32_t len)
{
    const uint8_t *bytes = data;
    const uint8_t *words_end = bytes + (len & ~3u);
    const uint8_t *end = bytes + len;
#if ALIGNED_WORDS_ONLY
    if (((uintptr_t)bytes & 3u) != 0u) {
        words_end = bytes; /* never here in the loader (it reads into aligned places) */
    }
#endif
    crc = ~crc;
    while (bytes != words_end) {
#if ALIGNED_WORDS_ONLY
        uint32_t word = read_aligned_word(bytes);
#else
        uint32_t word;
        __builtin_memcpy(&word, bytes, sizeof word); /* may be unaligned: v7-M LDR copes */
#endif
        bytes += sizeof word;
        crc ^= word;
        crc = CRC32_STEP(table, crc);
        crc = CRC32_STEP(table, crc);
        crc = CRC32_STEP(table, crc);
        crc = CRC32_STEP(table, crc);
    }
    while (bytes != end) {
        crc ^= *bytes++;
        crc = CRC32_STEP(table, crc);
    }
    return ~crc;
}

int loader_check_exports(const export_table *table, const uint32_t *crc32_table)
{
    if (table->magic != EXPORT_TABLE_MAGIC || table->count == 0u) {
        return LOADER_E_BAD_EXPORTS;
    }
    const export_entry *entries = table->entries;
    uint32_t bytes = table->count * (uint32_t)sizeof(export_entry);
    for (uint32_t i = 1; i < table->count; i++) {
        if (entries[i - 1].hash > entries[i].hash) {
            return LOADER_E_BAD_EXPORTS;
        }
    }
    uint32_t crc = loader_crc32(crc32_table, 0, entries, bytes);
    return crc == table->checksum ? LOADER_OK : LOADER_E_BAD_EXPORTS;
}

/* --- loader_read ------------------------------------------------------------------------- */

static uint32_t tables_size(const mod_header *h)
{
    return 4u * h->fixup_count + (uint32_t)sizeof(mod_import) * h->import_count +
           (uint32_t)sizeof(mod_export) * h->export_count + h->strings_size;
}

/* Core codes grow with what the core can run, as FPU codes do (module_format.h): "can run" is
 * "code not above the running one's". */
static int known_core(uint32_t core)
{
    return core == MOD_CORE_M0 || core == MOD_CORE_M3 || core == MOD_CORE_M4 ||
           core == MOD_CORE_M7 || core == MOD_CORE_M33 || core == MOD_CORE_M55;
}

/* Whether floating-point arguments travel in FPU registers (hard) or core ones (soft, softfp). */
static int vfp_args(const mod_header *h)
{
    return h->arch_float_abi == MOD_FLOAT_HARD;
}

static int check_arch(const loader_env *env, const mod_header *h)
{
    if (!known_core(h->arch_core) || h->arch_fpu > MOD_FPU_FPV5_DP ||
        h->arch_float_abi > MOD_FLOAT_HARD ||
        (h->arch_float_abi != MOD_FLOAT_SOFT && h->arch_fpu == MOD_FPU_NONE)) {
        return LOADER_E_BAD_HEADER;
    }
    if (h->arch_core > env->core || !known_core(env->core) || h->arch_fpu > env->fpu) {
        return LOADER_E_BAD_ARCH;
    }
    return LOADER_OK;
}

/* Everything the header alone can tell, before any memory is spent on the module. */
static int check_header(const loader_env *env, const mod_header *h, uint32_t file_size)
{
    if (h->magic != MOD_MAGIC) {
        return LOADER_E_BAD_MAGIC;
    }
    if (h->format_version != MOD_FORMAT_VERSION) {
        return LOADER_E_BAD_VERSION;
    }
    /* One test for all four sections: the cap is a power of two, so a size reaches it when
     * it has a bit at or above the cap's, and then so does the OR of the sizes. */
    uint32_t sections = h->text_size | h->data_size | h->bss_size | h->strings_size;
    if (h->header_size != sizeof(mod_header) || h->reserved0 != 0u || h->reserved1 != 0u ||
        (sections & 3u) != 0u || sections >= MAX_SECTION_BYTES) {
        return LOADER_E_BAD_HEADER;
    }
    uint32_t expected = (uint32_t)sizeof(mod_header) + h->text_size + h->data_size + tables_size(h);
    if (file_size < expected) {
        return LOADER_E_TRUNCATED;
    }
    if (file_size > expected) {
        return LOADER_E_BAD_HEADER;
    }
    int arch = check_arch(env, h);
    if (arch != LOADER_OK) {
        return arch;
    }
    if (h->api_major != env->exports->api_major) {
        return LOADER_E_BAD_VERSION;
    }
    uint32_t entry = h->entry & ~1u;
    if ((h->entry & 1u) == 0u || entry >= h->text_size || (h->init_offset & 3u) != 0u ||
        h->init_offset > h->text_size || 4u * h->init_count > h->text_size - h->init_offset) {
        return LOADER_E_BAD_HEADER;
    }
    return LOADER_OK;
}

static uint32_t align_up(uint32_t value, uint32_t align)
{
    return (value + align - 1u) & ~(align - 1u);
}

/* [text | pad to a data_align boundary | data | bss | tables], the text on a segment boundary.
 * Offsets from the arena's start, so nothing can wrap past the top of the address space. */
static int allocate(loader_arena *arena, const mod_header *h, loaded_module *module)
{
    uint32_t align = arena->segment_align < 8u ? 8u : arena->segment_align;
    uint32_t data_align = arena->data_align < align ? align : arena->data_align;
    uint32_t room = (uint32_t)(arena->end - arena->start);
    uint32_t base = align_up((uint32_t)(arena->top - arena->start), align);
    uint32_t data = align_up(base + h->text_size, data_align);
    uint32_t end = data + h->data_size + h->bss_size + tables_size(h);
    if (end > room) {
        return LOADER_E_NO_MEMORY;
    }
    module->block_start = arena->top;
    module->base = arena->start + base;
    module->data = arena->start + data;
    arena->top = arena->start + end;
    return LOADER_OK;
}

uint8_t *loader_address(const loaded_module *module, uint32_t offset)
{
    uint32_t text = module->header.text_size;
    return offset < text ? module->base + offset : module->data + (offset - text);
}

static void locate_tables(loaded_module *module)
{
    const mod_header *h = &module->header;
    uint8_t *tables = module->data + h->data_size + h->bss_size;
    module->fixups = (const uint32_t *)(void *)tables;
    module->imports = (const mod_import *)(void *)(tables + 4u * h->fixup_count);
    module->exports = (const mod_export *)(const void *)(module->imports + h->import_count);
    module->strings = (const char *)(module->exports + h->export_count);
}

/* The file's parts after the header, in file order, each read to where it belongs and added to
 * the CRC as it arrives. */
static int read_body(const loader_env *env, loader_source *source, loaded_module *module)
{
    const mod_header *h = &module->header;
    const uint32_t *table = env->crc32_table;
    /* The header's CRC is taken with its crc32 field read as 0 (FORMAT.md). */
    uint32_t stored = module->header.crc32;
    module->header.crc32 = 0;
    uint32_t crc = loader_crc32(table, 0, h, sizeof(mod_header));
    module->header.crc32 = stored;
    struct {
        void *to;
        uint32_t bytes;
    } parts[] = {{module->base, h->text_size},
                 {module->data, h->data_size},
                 {(void *)module->fixups, tables_size(h)}};
    uint32_t at = sizeof(mod_header);
    for (uint32_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (source->read(source, at, parts[i].to, parts[i].bytes) != 0) {
            return LOADER_E_TRUNCATED;
        }
        crc = loader_crc32(table, crc, parts[i].to, parts[i].bytes);
        at += parts[i].bytes;
    }
    return crc == stored ? LOADER_OK : LOADER_E_BAD_CRC;
}

/* Name offsets are checked against a strings table that must end in NUL, so every name that
 * starts inside it is terminated inside it. */
static int check_tables(const loaded_module *module)
{
    const mod_header *h = &module->header;
    if (h->strings_size == 0u ? (h->import_count | h->export_count) != 0u
                              : module->strings[h->strings_size - 1u] != '\0') {
        return LOADER_E_BAD_HEADER;
    }
    uint32_t image = h->text_size + h->data_size;
    const uint32_t *fixups = module->fixups;
    for (uint32_t i = 0; i < h->fixup_count; i++) {
        uint32_t word = fixups[i];
        uint32_t offset = MOD_FIXUP_OFFSET(word);
        /* The word must lie wholly in text or wholly in data: at run time the two are apart. */
        if (MOD_FIXUP_KIND(word) != MOD_FIXUP_ABS32 || offset > image - 4u ||
            (offset < h->text_size && offset > h->text_size - 4u)) {
            return LOADER_E_BAD_RELOC;
        }
    }
    uint32_t slots_free_from = 0; /* slots ascend, so no two imports share one */
    for (uint32_t i = 0; i < h->import_count; i++) {
        const mod_import *imp = &module->imports[i];
        if ((imp->slot & 3u) != 0u || imp->slot > h->text_size - 4u || imp->slot < slots_free_from ||
            imp->name >= h->strings_size) {
            return LOADER_E_BAD_HEADER;
        }
        slots_free_from = imp->slot + 4u;
    }
    for (uint32_t i = 0; i < h->export_count; i++) {
        const mod_export *exp = &module->exports[i];
        if ((exp->value & ~1u) >= image + h->bss_size || exp->name >= h->strings_size) {
            return LOADER_E_BAD_HEADER;
        }
    }
    return LOADER_OK;
}

int loader_read(const loader_env *env, loader_arena *arena, loader_source *source,
                loaded_module *module)
{
    memset(module, 0, sizeof *module);
    if (source->size < sizeof(mod_header)) {
        return LOADER_E_TRUNCATED;
    }
    if (source->read(source, 0, &module->header, sizeof(mod_header)) != 0) {
        return LOADER_E_TRUNCATED;
    }
    int status = check_header(env, &module->header, source->size);
    if (status == LOADER_OK) {
        status = allocate(arena, &module->header, module);
    }
    if (status != LOADER_OK) {
        return status;
    }
    locate_tables(module);
    status = read_body(env, source, module);
    if (status == LOADER_OK) {
        status = check_tables(module);
    }
    if (status != LOADER_OK) {
        loader_unload(arena, module);
        return status;
    }
    const mod_header *h = &module->header;
    memset(module->data + h->data_size, 0, h->bss_size);
    return LOADER_OK;
}

/* --- loader_link ------------------------------------------------------------------------- */

static const export_entry *find_export(const export_table *table, uint32_t hash, const char *name)
{
    uint32_t low = 0;
    uint32_t high = table->count;
    while (low < high) { /* first entry with entry.hash >= hash */
        uint32_t mid = low + (high - low) / 2u;
        if (table->entries[mid].hash < hash) {
            low = mid + 1u;
        } else {
            high = mid;
        }
    }
    for (; low < table->count && table->entries[low].hash == hash; low++) {
        if (strcmp(table->entries[low].name, name) == 0) {
            return &table->entries[low];
        }
    }
    return NULL;
}

/* A module's own export by name: its load address plus the export's value, or NULL. */
static void *module_export(const loaded_module *module, uint32_t hash, const char *name)
{
    for (uint32_t i = 0; i < module->header.export_count; i++) {
        const mod_export *exp = &module->exports[i];
        if (exp->name_hash == hash && strcmp(module->strings + exp->name, name) == 0) {
            return loader_address(module, exp->value & ~1u) + (exp->value & 1u);
        }
    }
    return NULL;
}

/* The firmware's exports first, then each resident module's. */
static const void *resolve(const loader_env *env, uint32_t hash, const char *name)
{
    const export_entry *found = find_export(env->exports, hash, name);
    if (found != NULL) {
        return found->address;
    }
    for (uint32_t i = 0; i < env->resident_count; i++) {
        void *address = module_export(env->residents[i], hash, name);
        if (address != NULL) {
            return address;
        }
    }
    return NULL;
}

/* Each word holds a link-time address (text from 0, data from text_size); make it the run-time
 * one. Thumb bits ride along: text addresses move by the text's base. */
static void apply_fixups(const loaded_module *module)
{
    uint32_t text = module->header.text_size;
    uint32_t text_shift = (uint32_t)(uintptr_t)module->base;
    uint32_t data_shift = (uint32_t)(uintptr_t)module->data - text;
    for (uint32_t i = 0; i < module->header.fixup_count; i++) {
        uint8_t *site = loader_address(module, MOD_FIXUP_OFFSET(module->fixups[i]));
#if ALIGNED_WORDS_ONLY
        uint32_t word = read_unaligned_word(site);
        word += word < text ? text_shift : data_shift;
        write_unaligned_word(site, word);
#else
        uint32_t word;
        __builtin_memcpy(&word, site, sizeof word); /* may be unaligned: v7-M LDR copes */
        word += word < text ? text_shift : data_shift;
        __builtin_memcpy(site, &word, sizeof word);
#endif
    }
}

static int bind_imports(const loader_env *env, const loaded_module *module)
{
    int missing = 0;
    for (uint32_t i = 0; i < module->header.import_count; i++) {
        const mod_import *imp = &module->imports[i];
        const char *name = module->strings + imp->name;
        const void *address = resolve(env, imp->name_hash, name);
        if (address == NULL) {
            missing++;
            if (env->report_unresolved != NULL) {
                env->report_unresolved(env->context, name);
            }
            continue;
        }
        /* A slot is a 32-bit word (FORMAT.md): store 32 bits, which on Arm is the pointer
         * itself and on a 64-bit host (the fuzzer, firmware/loader/fuzz/) stays in the slot. */
        write_aligned_word(loader_address(module, imp->slot), (uint32_t)(uintptr_t)address);
    }
    return missing == 0 ? LOADER_OK : LOADER_E_UNRESOLVED;
}

int loader_link(const loader_env *env, loaded_module *module)
{
    /* A library's functions may take floating-point arguments: it and its callers must pass
     * them the same way. (The firmware's exports take none, or are variadic, which passes
     * them in core registers under either ABI: any module may call them.) */
    for (uint32_t i = 0; i < env->resident_count; i++) {
        if (vfp_args(&env->residents[i]->header) != vfp_args(&module->header)) {
            return LOADER_E_BAD_ARCH;
        }
    }
    apply_fixups(module);
    int status = bind_imports(env, module);
    /* The image was written as data; make sure it is complete before it runs as code: the
     * caller's cache maintenance, then the barriers. (The host build for the fuzzer runs no
     * module code.) */
    if (status == LOADER_OK && env->sync_code != NULL) {
        env->sync_code(env->context, module->base, module->header.text_size);
    }
#if defined(__arm__)
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    return status;
}

/* --- loader_init, loader_find, loader_unload --------------------------------------------- */

int loader_init(const loader_env *env, const loaded_module *module)
{
    const mod_header *h = &module->header;
    uint32_t low = (uint32_t)(uintptr_t)module->base;
    for (uint32_t i = 0; i < h->init_count; i++) {
        uint32_t target = read_aligned_word(loader_address(module, h->init_offset + 4u * i));
        if ((target & 1u) == 0u || target - low >= h->text_size) {
            return LOADER_E_STARTUP; /* a constructor pointer that leaves the module's code */
        }
        void (*constructor)(void) = (void (*)(void))(uintptr_t)target;
        if (env->run_constructor == NULL) {
            constructor();
        } else if (env->run_constructor(env->context, constructor) != 0) {
            return LOADER_E_STARTUP;
        }
    }
    return LOADER_OK;
}

int loader_find(const loaded_module *module, const char *name, void **address)
{
    *address = module_export(module, loader_name_hash(name), name);
    return *address != NULL ? LOADER_OK : LOADER_E_NO_ENTRY;
}

void loader_unload(loader_arena *arena, const loaded_module *module)
{
    loader_arena_release(arena, module->block_start);
}

