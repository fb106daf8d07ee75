/* Runs module jobs through the loader library and reports each phase's outcome and time. */
#include "module_jobs.h"

#include <stddef.h>
#include <string.h>

#include "app_image.h"
#include "armv7m.h"
#include "board_config.h"
#include "cache.h"
#include "crc32.h"
#include "firmware_exports.h"
#include "heap.h"
#include "job_call.h"
#include "job_outcome.h"
#include "job_runtime.h"
#include "module_source.h"
#include "mpu.h"
#include "records.h"
#include "semihost.h"
#include "tems.h"
#include "timing.h"
#include "memory_map.h"

#define QEMU_PAGE_BYTES 1024u /* the smallest page QEMU's Arm M-profile TLB uses */
#if MPU_PMSAV8
/* QEMU checks every access one by one in a 1 KiB page that any MPU region boundary splits,
 * and PMSAv8 regions end wherever a module's bytes do: a runaway loop on a global in a 32-byte
 * data region took 6.8 s for 50,000,000 instructions on mps2-an505, 0.30 s with whole pages
 * (the same loop on the stack: 0.13-0.24 s). So a module's block (its data, bss and the
 * loader's tables: its data region, mpu_pmsav8.c) ends on such a page, and the free arena above
 * starts on one; it costs a median 2,048 arena bytes a module instead of 200. Its code region
 * stays exact to 32 bytes: QEMU translates code once, so fetches do not pay for the split. */
#define BLOCK_END_ALIGN QEMU_PAGE_BYTES
#else
#define BLOCK_END_ALIGN 1u /* the whole arena is one data region (mpu.c) */
#endif

static loader_arena arena;
static loader_env env;
static int exports_status;

static int run_constructor(void *context, void (*constructor)(void));

/* Ticks each phase took; records are printed outside the timed windows. */
typedef struct {
    uint64_t load, link, init, run, unload;
} phase_times;

static void report_unresolved(void *context, const char *name)
{
    rec_begin("unresolved");
    rec_word("id", (const char *)context);
    rec_str("name", name, strlen(name)); /* from the module file: untrusted */
    rec_end();
}

int module_jobs_init(void)
{
    arena.start = arena.top = __module_arena_start;
    arena.end = (uint8_t *)job_runtime_block(); /* the arena's last bytes are the job's runtime block */
    arena.segment_align = mpu_segment_bytes();
    /* Data on its own 1 KiB pages: QEMU checks every access one by one in a page that an MPU
     * subregion boundary splits, which made a loop over a global 30x slower on the 512-byte
     * subregions of a 4 KiB arena. Silicon does not care; it costs at most one subregion. */
    arena.data_align = ARCH_V6M ? mpu_segment_bytes() : QEMU_PAGE_BYTES; /* no MPU: no boundary */
    env.core = loader_core_from_cpuid(SCB_CPUID);
#if defined(__ARM_FP)
    env.fpu = BOARD_FPU_KIND; /* the FPU this firmware enabled at reset */
#else
    env.fpu = MOD_FPU_NONE;
#endif
    env.exports = &firmware_exports;
    env.crc32_table = firmware_crc32_table;
    env.report_unresolved = report_unresolved;
    env.run_constructor = run_constructor;
    env.sync_code = cache_sync_hook();
    exports_status = loader_check_exports(&firmware_exports, firmware_crc32_table);
    return exports_status;
}

#define MAIN_MODULE (-1) /* the "dep" of the job's own module in records */

static int constructor_outcome;   /* how the last constructor call ended (job_outcome.h) */

/* The job's modules: its dependencies in load order, then the module itself. Static: five
 * loaded_module records would crowd the small board's stack. */
static struct {
    loaded_module modules[JOB_MAX_DEPS + 1];
    const loaded_module *residents[JOB_MAX_DEPS];
} job_modules;

static void field_dep(int dep)
{
    if (dep != MAIN_MODULE) {
        rec_u32("dep", (uint32_t)dep);
    }
}

/* A rejected job's error name: the loader's, or an application image check's. */
static const char *error_name(int status)
{
    const char *name = app_image_strerror(status);
    return name != NULL ? name : loader_strerror(status);
}

static void report_end(const job *j, int status, int dep, int32_t result, const phase_times *t)
{
    rec_begin("end");
    rec_word("id", j->id);
    rec_word("status", job_outcome_status(status));
    if (status == LOADER_OK) {
        rec_i32("ret", result);
        rec_u64("load", t->load);
        rec_u64("link", t->link);
        rec_u64("init", t->init);
        rec_u64("run", t->run);
        rec_u64("unload", t->unload);
    } else if (status < 0) {
        rec_word("error", error_name(status));
    }
    if (status != LOADER_OK) {
        field_dep(dep);
    }
    rec_end();
}

/* Where a module landed: the host maps fault addresses back into the module's ELF. */
static void report_load(const job *j, int dep, const loaded_module *module)
{
    rec_begin("load");
    rec_word("id", j->id);
    field_dep(dep);
    rec_hex("base", (uint32_t)(uintptr_t)module->base);
    rec_hex("data", (uint32_t)(uintptr_t)module->data);
    rec_u32("bytes", (uint32_t)(arena.top - module->base));
    rec_u32("held", (uint32_t)(arena.top - module->block_start));
    rec_end();
}

/* What the link did, for the host's oracle to check: every import's slot as bound (0 for an
 * unresolved one), and, when the link succeeded, the CRC-32 of the linked image (text and data,
 * before constructors can change data). */
static void report_linked(const job *j, int dep, const loaded_module *module, int status)
{
    const mod_header *h = &module->header;
    /* A link refused before binding (bad_arch: a float ABI unlike a resident's) bound nothing. */
    uint32_t bound = status == LOADER_OK || status == LOADER_E_UNRESOLVED ? h->import_count : 0;
    for (uint32_t i = 0; i < bound; i++) {
        const mod_import *imp = &module->imports[i];
        uint32_t address;
        memcpy(&address, loader_address(module, imp->slot), sizeof address);
        rec_begin("bind");
        rec_word("id", j->id);
        field_dep(dep);
        const char *name = module->strings + imp->name;
        rec_str("name", name, strlen(name));
        rec_hex("addr", address);
        rec_end();
    }
    if (status == LOADER_OK) {
        rec_begin("linked");
        rec_word("id", j->id);
        field_dep(dep);
        uint32_t crc = loader_crc32(env.crc32_table, 0, module->base, h->text_size);
        rec_hex("crc", loader_crc32(env.crc32_table, crc, module->data, h->data_size));
        if (env.sync_code != NULL) {
            rec_u32("cache_lines", cache_lines_counted()); /* what the link's sync_code did */
        }
        rec_end();
    }
}

/* Round the arena's top after a module up to BLOCK_END_ALIGN (not past the runtime block):
 * the padding is the module's, part of the bytes it holds, given back with it (loader_unload
 * and loader_arena_release go back below it). */
static void end_block(const loaded_module *module)
{
    uint32_t used = (uint32_t)(arena.top - module->block_start);
    uint32_t room = (uint32_t)(arena.end - module->block_start);
    uint32_t rounded = (used + BLOCK_END_ALIGN - 1u) & ~(BLOCK_END_ALIGN - 1u);
    arena.top = module->block_start + (rounded < room ? rounded : room);
}

/* Read and link one module file; the job's load and link figures add up over its modules. */
static int load_and_link(const job *j, int dep, const char *path, loaded_module *module,
                         phase_times *t)
{
    semihost_source source;
    if (semihost_source_open(&source, path) != 0) {
        return JOB_NOFILE;
    }
    timing_stamp start = timing_mark();
    int status = loader_read(&env, &arena, &source.base, module);
    t->load += timing_since(&start);
    semihost_source_close(&source);
    if (status != LOADER_OK) {
        return status;
    }
    end_block(module);
    report_load(j, dep, module);
    cache_count_clear();
    start = timing_mark();
    status = loader_link(&env, module);
    t->link += timing_since(&start);
    report_linked(j, dep, module, status);
    rec_flush(); /* what was loaded where, out before any of its code runs */
    if (status != LOADER_OK) {
        loader_unload(&arena, module); /* reported; none of its code may run */
    }
    return status;
}

/* Each dependency in order, resident for those after it (and for the module), then the
 * module. On failure *dep says which file failed. */
static int load_all(const job *j, phase_times *t, int *dep)
{
    env.residents = job_modules.residents;
    env.resident_count = 0;
    for (unsigned k = 0; k < j->dep_count; k++) {
        *dep = (int)k;
        int status = load_and_link(j, *dep, j->deps[k], &job_modules.modules[k], t);
        if (status != LOADER_OK) {
            return status;
        }
        job_modules.residents[env.resident_count++] = &job_modules.modules[k];
    }
    *dep = MAIN_MODULE;
    return load_and_link(j, MAIN_MODULE, j->target, &job_modules.modules[j->dep_count], t);
}

static const int32_t no_args[4] = {0, 0, 0, 0};
#define MODULE_UNPRIVILEGED 0 /* module code never runs privileged */

/* The loader's constructor hook: each constructor is contained job code with the job's budget. */
static int run_constructor(void *context, void (*constructor)(void))
{
    (void)context;
    int32_t ignored;
    /* A void(void) function called as job code: under the AAPCS the extra arguments and the
     * return register are simply unused. */
    job_fn call = (job_fn)(uintptr_t)constructor;
    constructor_outcome = job_outcome_of_call(job_call(call, no_args, MODULE_UNPRIVILEGED,
                                                       &ignored));
    return constructor_outcome;
}

/* Constructors of every module of the job, dependencies first. A constructor that faulted or
 * ran out of time ends the job as a fault or a timeout, not a start-up refusal. */
static int init_all(const job *j)
{
    constructor_outcome = LOADER_OK;
    for (unsigned k = 0; k <= j->dep_count; k++) {
        int status = loader_init(&env, &job_modules.modules[k]);
        if (status != LOADER_OK) {
            return constructor_outcome != LOADER_OK ? constructor_outcome : status;
        }
    }
    return LOADER_OK;
}

/* Call module code with what is left of the job's budget; the outcome as job_outcome.h has it. */
static int call_module_code(job_fn fn, const int32_t args[4], int32_t *result)
{
    return job_outcome_of_call(job_call(fn, args, MODULE_UNPRIVILEGED, result));
}

/* TEMS init: the ModuleInfo table, constructors, then _start(info, START), whose answer 1 is a
 * symbol error (unresolved) and any other non-zero answer a start-up error. The table is
 * written before any of the module's code runs, at an address the firmware chose, and the heap
 * starts above it: what the module's code does to it afterwards only affects that module. */
static int tems_start_module(const job *j, tems_start start, uint8_t *free_start,
                             tems_module_info **info)
{
    *info = tems_module_info_build(&firmware_exports, free_start, arena.end);
    if (*info == NULL) {
        return LOADER_E_NO_MEMORY;
    }
    heap_reset(free_start + tems_module_info_bytes(&firmware_exports));
    int status = init_all(j);
    if (status != LOADER_OK) {
        return status;
    }
    int32_t args[4] = {(int32_t)(uintptr_t)*info, TEMS_ACTION_START, 0, 0};
    int32_t answer = 0;
    status = call_module_code((job_fn)(uintptr_t)start, args, &answer);
    if (status != LOADER_OK || answer == TEMS_OK) {
        return status;
    }
    return answer == TEMS_SYMBOL_ERROR ? LOADER_E_UNRESOLVED : LOADER_E_STARTUP;
}

/* The TEMS protocol: the init phase as above, then _start(info, RUN) is the run and its return
 * value the job's. */
static int tems_init_and_run(const job *j, const loaded_module *module, uint8_t *free_start,
                             phase_times *t, int32_t *result)
{
    void *entry = NULL;
    int status = loader_find(module, "_start", &entry);
    if (status != LOADER_OK) {
        return status;
    }
    tems_start start = (tems_start)(uintptr_t)entry;
    tems_module_info *info = NULL;
    timing_stamp began = timing_mark();
    status = tems_start_module(j, start, free_start, &info);
    t->init = timing_since(&began);
    if (status != LOADER_OK) {
        return status;
    }
    int32_t args[4] = {(int32_t)(uintptr_t)info, TEMS_ACTION_RUN, 0, 0};
    began = timing_mark();
    status = call_module_code((job_fn)(uintptr_t)start, args, result);
    t->run = timing_since(&began);
    return status;
}

/* The entry is found by name before any of the job's code runs. */
static int init_and_run(const job *j, const loaded_module *module, phase_times *t,
                        int32_t *result)
{
    void *entry = NULL;
    int status = loader_find(module, j->entry, &entry);
    if (status != LOADER_OK) {
        return status;
    }
    timing_stamp start = timing_mark();
    status = init_all(j);
    t->init = timing_since(&start);
    if (status != LOADER_OK) {
        return status;
    }
    start = timing_mark();
    status = call_module_code((job_fn)(uintptr_t)entry, j->args, result);
    t->run = timing_since(&start);
    return status;
}

/* The global destructors the job's code registered (cxx_runtime.c), newest first, before the
 * arena is given back: each is contained job code, unprivileged, with what is left of the job's
 * budget. The list is module memory (job_runtime.h): the count is clamped and each pair read
 * afresh, so a wrong entry is at worst a fault of this job. The first destructor that faults or
 * runs out of time ends the job so; registrations made while they run are not run. */
static int run_destructors(void)
{
    const volatile job_runtime *state = job_runtime_block();
    uint32_t count = state->destructor_count;
    if (count > JOB_RUNTIME_MAX_DESTRUCTORS) {
        count = JOB_RUNTIME_MAX_DESTRUCTORS;
    }
    while (count > 0u) {
        count--;
        int32_t args[4] = {(int32_t)(uintptr_t)state->destructors[count].arg, 0, 0, 0};
        int32_t ignored;
        /* A void(void *) function called as job code: the AAPCS leaves the rest unused. (Not
         * through call_module_code, which the run phase then no longer gets inlined.) */
        job_fn destructor = (job_fn)(uintptr_t)state->destructors[count].fn;
        int status = job_outcome_of_call(job_call(destructor, args, MODULE_UNPRIVILEGED,
                                                  &ignored));
        if (status != LOADER_OK) {
            return status;
        }
    }
    return LOADER_OK;
}

/* Only the code of the job's own modules is executable, and only while the job runs; its
 * code may use its modules' data and the free arena above them. Returns where that starts. */
static uint8_t *allow_job_memory(unsigned loaded, mpu_code_access access)
{
    for (unsigned k = 0; k < loaded; k++) {
        const loaded_module *module = &job_modules.modules[k];
        /* Its data region runs to its block's end: data, bss, the loader's tables, padding. */
        const uint8_t *end = k + 1u < loaded ? job_modules.modules[k + 1u].block_start : arena.top;
        mpu_allow_module(module->base, module->header.text_size, module->data,
                         (uint32_t)(end - module->data), access);
    }
    return mpu_allow_free_arena(arena.top);
}

/* The bootloader's part (app_image.h): its vector table checked and made the firmware's for the
 * system exceptions (the init figure), then the reset handler on the table's stack with VTOR at
 * the image (the run figure). Nothing else of the image runs: no constructors, no entry. */
static int check_and_start(const job *j, const loaded_module *module, phase_times *t,
                           int32_t *result)
{
    app_image_start start;
    timing_stamp began = timing_mark();
    int status = app_image_check(module, &start);
    if (status == LOADER_OK) {
        app_image_keep_system_exceptions(module);
        if (env.sync_code != NULL) { /* the core reads vectors on the data side: clean it */
            env.sync_code(env.context, module->base, APP_VECTOR_BYTES);
        }
    }
    t->init = timing_since(&began);
    if (status != LOADER_OK) {
        return status;
    }
    /* Its code read-only, its table with it (VTOR points at it); the free arena above it is
     * the heap and the console buffer the firmware's exports use when it calls them. */
    heap_reset(allow_job_memory(j->dep_count + 1u, MPU_CODE_READ_ONLY));
    began = timing_mark();
    status = app_image_start_it(module, &start, result);
    t->run = timing_since(&began);
    return status;
}

void module_job_run(const job *j)
{
    if (exports_status != LOADER_OK) {
        report_end(j, exports_status, MAIN_MODULE, 0, NULL);
        return;
    }
    env.context = (void *)(uintptr_t)j->id;
    phase_times t = {0, 0, 0, 0, 0};
    int32_t result = 0;
    int dep = MAIN_MODULE;
    loader_mark mark = loader_arena_mark(&arena);
    int status = load_all(j, &t, &dep);
    int application = strcmp(j->kind, "app") == 0;
    if (status == LOADER_OK && application) {
        status = check_and_start(j, &job_modules.modules[j->dep_count], &t, &result);
    } else if (status == LOADER_OK) {
        const loaded_module *module = &job_modules.modules[j->dep_count];
        /* above every module of the job */
        uint8_t *free_start = allow_job_memory(j->dep_count + 1u, MPU_CODE_WRITABLE);
        heap_reset(free_start);
        status = j->abi_tems ? tems_init_and_run(j, module, free_start, &t, &result)
                             : init_and_run(j, module, &t, &result);
    }
    /* A job that faulted or was refused runs none, as abort(); nor does an application image,
     * which has no unload: the firmware only takes back the memory it was given. */
    int destructors_due = status == LOADER_OK && !application;
    timing_stamp unload_start = timing_mark();
    if (destructors_due) {
        status = run_destructors();
    }
    mpu_forbid_code();
    /* The one clean-up for every way the job ended (loader.h): its modules and dependencies,
     * or whatever a failed load or link left, go back at once (the arena is last in, first out). */
    loader_arena_release(&arena, mark);
    t.unload = timing_since(&unload_start);
    report_end(j, status, dep, result, &t);
}
