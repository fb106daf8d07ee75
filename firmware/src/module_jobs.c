/* Runs module jobs through the loader library and reports each phase's outcome and time. */
#include "module_jobs.h"

#include <stddef.h>
#include <string.h>

#include "armv7m.h"
#include "board_config.h"
#include "heap.h"
#include "module_source.h"
#include "records.h"
#include "tems.h"
#include "timing.h"

extern uint8_t __module_arena_start[], __module_arena_end[];

typedef int32_t (*module_entry)(int32_t, int32_t, int32_t, int32_t);

#define CPUID_PARTNO(cpuid) (((cpuid) >> 4) & 0xFFFu)

static loader_arena arena;
static loader_env env;
static int exports_status;

/* Ticks each phase took; records are printed outside the timed windows. */
typedef struct {
    uint64_t load, link, init, run;
} phase_times;

static uint8_t running_core(void)
{
    switch (CPUID_PARTNO(SCB_CPUID)) {
    case 0xC23u: return MOD_CORE_M3;
    case 0xC24u: return MOD_CORE_M4;
    case 0xC27u: return MOD_CORE_M7;
    default: return 0; /* unknown: core_rank() refuses every module as bad_arch */
    }
}

static void report_unresolved(void *context, const char *name)
{
    rec_begin("unresolved");
    rec_word("id", (const char *)context);
    rec_word("name", name);
    rec_end();
}

int module_jobs_init(void)
{
    arena.start = arena.top = __module_arena_start;
    arena.end = __module_arena_end;
    env.core = running_core();
#if defined(__ARM_FP)
    env.fpu = BOARD_FPU_KIND; /* the FPU this firmware enabled at reset */
#else
    env.fpu = MOD_FPU_NONE;
#endif
    env.exports = &firmware_exports;
    env.report_unresolved = report_unresolved;
    exports_status = loader_check_exports(&firmware_exports);
    return exports_status;
}

static void report_rejected(const job *j, int status)
{
    rec_begin("end");
    rec_word("id", j->id);
    rec_word("status", "rejected");
    rec_word("error", loader_status_name(status));
    rec_end();
}

static void report_ok(const job *j, int32_t result, const phase_times *t)
{
    rec_begin("end");
    rec_word("id", j->id);
    rec_word("status", "ok");
    rec_i32("ret", result);
    rec_u64("load", t->load);
    rec_u64("link", t->link);
    rec_u64("init", t->init);
    rec_u64("run", t->run);
    rec_end();
}

/* Where the module landed: the host maps fault addresses back into the module's ELF. */
static void report_load(const job *j, const loaded_module *module)
{
    rec_begin("load");
    rec_word("id", j->id);
    rec_hex("base", (uint32_t)(uintptr_t)module->base);
    rec_u32("bytes", (uint32_t)(arena.top - module->base));
    rec_end();
}

/* What the link did, for the host's oracle to check: every import's slot as bound (0 for an
 * unresolved one), and, when the link succeeded, the CRC-32 of the linked image (text and data,
 * before constructors can change data). */
static void report_linked(const job *j, const loaded_module *module, int status)
{
    const mod_header *h = &module->header;
    for (uint32_t i = 0; i < h->import_count; i++) {
        const mod_import *imp = &module->imports[i];
        uint32_t address;
        memcpy(&address, module->base + imp->slot, sizeof address);
        rec_begin("bind");
        rec_word("id", j->id);
        rec_word("name", module->strings + imp->name);
        rec_hex("addr", address);
        rec_end();
    }
    if (status != LOADER_OK) {
        return;
    }
    rec_begin("linked");
    rec_word("id", j->id);
    rec_hex("crc", loader_crc32(0, module->base, h->text_size + h->data_size));
    rec_end();
}

/* TEMS init: constructors, the ModuleInfo table, then _start(info, START), whose answer 1 is a
 * symbol error (unresolved) and any other non-zero answer a start-up error. */
static int tems_start_module(const loaded_module *module, tems_start start,
                             tems_module_info **info)
{
    int status = loader_init(module);
    if (status != LOADER_OK) {
        return status;
    }
    *info = tems_module_info_build(&firmware_exports);
    if (*info == NULL) {
        return LOADER_E_NO_MEMORY;
    }
    int answer = start(*info, TEMS_ACTION_START);
    if (answer == TEMS_OK) {
        return LOADER_OK;
    }
    return answer == TEMS_SYMBOL_ERROR ? LOADER_E_UNRESOLVED : LOADER_E_STARTUP;
}

/* The TEMS protocol: the init phase as above, then _start(info, RUN) is the run and its return
 * value the job's. */
static int tems_init_and_run(const loaded_module *module, phase_times *t, int32_t *result)
{
    void *entry = NULL;
    int status = loader_find(module, "_start", &entry);
    if (status != LOADER_OK) {
        return status;
    }
    tems_start start = (tems_start)(uintptr_t)entry;
    tems_module_info *info = NULL;
    timing_restart();
    status = tems_start_module(module, start, &info);
    t->init = timing_now();
    if (status != LOADER_OK) {
        return status;
    }
    timing_restart();
    *result = start(info, TEMS_ACTION_RUN);
    t->run = timing_now();
    return LOADER_OK;
}

static int link_and_run(const job *j, loaded_module *module, phase_times *t, int32_t *result)
{
    timing_restart();
    int status = loader_link(&env, module);
    t->link = timing_now();
    report_linked(j, module, status);
    if (status != LOADER_OK) {
        return status;
    }
    heap_reset(arena.top, arena.end);
    if (j->abi_tems) {
        return tems_init_and_run(module, t, result);
    }
    timing_restart();
    status = loader_init(module);
    t->init = timing_now();
    void *entry = NULL;
    if (status == LOADER_OK) {
        status = loader_find(module, j->entry, &entry);
    }
    if (status == LOADER_OK) {
        timing_restart();
        *result = ((module_entry)(uintptr_t)entry)(j->args[0], j->args[1], j->args[2], j->args[3]);
        t->run = timing_now();
    }
    return status;
}

/* Load through run, then unload; returns LOADER_OK with *result set, or the failing status. */
static int load_and_run(const job *j, loader_source *source, phase_times *t, int32_t *result)
{
    loaded_module module;
    timing_restart();
    int status = loader_read(&env, &arena, source, &module);
    t->load = timing_now();
    if (status != LOADER_OK) {
        return status;
    }
    report_load(j, &module);
    status = link_and_run(j, &module, t, result);
    loader_unload(&arena, &module);
    return status;
}

void module_job_run(const job *j)
{
    if (exports_status != LOADER_OK) {
        report_rejected(j, exports_status);
        return;
    }
    semihost_source source;
    if (semihost_source_open(&source, j->target) != 0) {
        rec_begin("end");
        rec_word("id", j->id);
        rec_word("status", "nofile");
        rec_end();
        return;
    }
    env.context = (void *)(uintptr_t)j->id;
    phase_times t = {0, 0, 0, 0};
    int32_t result = 0;
    int status = load_and_run(j, &source.base, &t, &result);
    semihost_source_close(&source);
    if (status == LOADER_OK) {
        report_ok(j, result, &t);
    } else {
        report_rejected(j, status);
    }
}
