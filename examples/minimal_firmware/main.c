/* The smallest job runner that speaks the record protocol (firmware/src/PROTOCOL.md) around
 * the loader library (firmware/loader/loader.h): read the job list named on the semihosting
 * command line, and for each module job read the file, link it, find its entry, run its
 * constructors, call the entry, give the arena back, and report each step. README.md beside
 * this file says what it leaves out. */
#include <stdlib.h>
#include <string.h>

#include "board_config.h" /* generated per board by the build: BOARD_NAME, BOARD_CLOCK_HZ, ... */
#include "firmware_exports.h"
#include "loader.h"
#include "records.h"
#include "semihost.h"

#define SCB_CPUID (*(volatile uint32_t *)0xE000ED00u)
#define FIRMWARE_VERSION "minimal-0.1"
#define RECORD_PROTOCOL 1u
#define LINE_BYTES 257u   /* a job list line: at most 255 bytes, its newline, a NUL */
#define MAX_FIELDS 8u
#define ARENA_CANARY 0xC0DEDBADu

enum { EXIT_COMPLETED = 0, EXIT_BAD_JOBLIST = 2, EXIT_DAMAGED = 4 }; /* PROTOCOL.md */

/* How a job ended besides the loader's statuses (LOADER_OK and the negative errors). */
enum { JOB_NOFILE = 1, JOB_UNKNOWN = 2 };

extern uint8_t __module_arena_start[], __module_arena_end[];

/* boards/sections.ld places both: the stack the modules run on first in RAM, and 8 bytes just
 * below the module arena, which a module writing below its image overwrites. */
__attribute__((section(".job_stack"))) static uint64_t job_stack[BOARD_JOB_STACK_BYTES / 8u];
__attribute__((section(".canary.arena"), used)) static volatile uint32_t arena_canary[2];

static const uint32_t crc32_table[LOADER_CRC32_TABLE_ENTRIES] = LOADER_CRC32_TABLE;
static loader_arena arena;
static loader_env env;

typedef struct {
    const char *id, *kind, *target, *entry;
    int32_t args[4];
    int supported;   /* 0: dep= or abi=tems, which this firmware does not do */
} job;

__attribute__((noreturn)) static void finish(uint32_t status)
{
    rec_begin("exit");
    rec_u32("status", status);
    rec_end();
    rec_flush();
    sh_exit(status);
}

__attribute__((noreturn)) static void joblist_failed(const char *what, uint32_t line)
{
    rec_begin("error");
    rec_word("in", "joblist");
    rec_u32("line", line);
    rec_str("msg", what, strlen(what));
    rec_end();
    finish(EXIT_BAD_JOBLIST);
}

static void report_unresolved(void *context, const char *name)
{
    rec_begin("unresolved");
    rec_word("id", (const char *)context);
    rec_str("name", name, strlen(name));
    rec_end();
}

/* The arena, the running core and the export table, once: the loader's env (loader.h). */
static int loader_setup(void)
{
    arena.start = arena.top = __module_arena_start;
    arena.end = __module_arena_end;
    arena.segment_align = 8u;   /* no MPU: code and data need no boundary of their own */
    arena.data_align = 8u;
    env.core = loader_core_from_cpuid(SCB_CPUID);
#if defined(__ARM_FP)
    env.fpu = BOARD_FPU_KIND;   /* Reset_Handler enabled it */
#else
    env.fpu = MOD_FPU_NONE;
#endif
    env.exports = &firmware_exports;
    env.crc32_table = crc32_table;
    env.report_unresolved = report_unresolved;
    /* run_constructor NULL: constructors are called directly. sync_code NULL: this firmware
     * never turns caches on, so the loader's DSB and ISB are all it needs. */
    return loader_check_exports(&firmware_exports, crc32_table);
}

static void report_boot(int exports_status)
{
    rec_begin("boot");
    rec_u32("proto", RECORD_PROTOCOL);
    rec_word("fw", FIRMWARE_VERSION);
    rec_word("board", BOARD_NAME);
    rec_hex("cpuid", SCB_CPUID);
    rec_u32("fpu", env.fpu != MOD_FPU_NONE);
    rec_u32("caches", 0);
    rec_word("timer", "none");   /* it times nothing: no phase figures in @end */
    rec_u32("clock", BOARD_CLOCK_HZ);
    rec_hex("arena", (uint32_t)(uintptr_t)arena.start);
    rec_u32("arena_bytes", (uint32_t)(arena.end - arena.start));
    rec_u32("api_major", firmware_exports.api_major);
    rec_u32("api_minor", firmware_exports.api_minor);
    rec_word("exports", exports_status == LOADER_OK ? "ok" : "bad");
    rec_end();
}

/* Call entry(args) on the job stack, and come back to the main stack. */
__attribute__((naked)) static int32_t call_on_job_stack(const int32_t *args, void *entry,
                                                        void *stack_top)
{
    (void)args, (void)entry, (void)stack_top;
    __asm__ volatile("push {r4, r5, r6, lr}\n\t"
                     "mov r4, sp\n\t"
                     "mov sp, r2\n\t"
                     "mov r5, r1\n\t"
                     "ldr r3, [r0, #12]\n\t"
                     "ldr r2, [r0, #8]\n\t"
                     "ldr r1, [r0, #4]\n\t"
                     "ldr r0, [r0, #0]\n\t"
                     "blx r5\n\t"
                     "mov sp, r4\n\t"
                     "pop {r4, r5, r6, pc}");
}

static void report_load(const job *j, const loaded_module *module)
{
    rec_begin("load");
    rec_word("id", j->id);
    rec_hex("base", (uint32_t)(uintptr_t)module->base);
    rec_hex("data", (uint32_t)(uintptr_t)module->data);
    rec_u32("bytes", (uint32_t)(arena.top - module->base));
    rec_u32("held", (uint32_t)(arena.top - module->block_start));
    rec_end();
}

/* Every import's slot as bound, then the CRC of the linked image: what the host's oracle
 * predicts from the module file and this firmware's export table. */
static void report_link(const job *j, const loaded_module *module, int status)
{
    const mod_header *h = &module->header;
    uint32_t bound = status == LOADER_OK || status == LOADER_E_UNRESOLVED ? h->import_count : 0;
    for (uint32_t i = 0; i < bound; i++) {
        uint32_t address;
        memcpy(&address, loader_address(module, module->imports[i].slot), sizeof address);
        const char *name = module->strings + module->imports[i].name;
        rec_begin("bind");
        rec_word("id", j->id);
        rec_str("name", name, strlen(name));
        rec_hex("addr", address);
        rec_end();
    }
    if (status == LOADER_OK) {
        uint32_t crc = loader_crc32(crc32_table, 0, module->base, h->text_size);
        rec_begin("linked");
        rec_word("id", j->id);
        rec_hex("crc", loader_crc32(crc32_table, crc, module->data, h->data_size));
        rec_end();
    }
}

typedef struct {
    loader_source base;
    int handle;
} file_source;

static int file_read(loader_source *self, uint32_t offset, void *dst, uint32_t len)
{
    file_source *file = (file_source *)self;
    if (len == 0u) {
        return 0;
    }
    if (sh_seek(file->handle, offset) != 0) {
        return -1;
    }
    return sh_read(file->handle, dst, len) == (int)len ? 0 : -1;
}

/* The loader's stages in loader.h's order; whatever happens, the arena goes back to the mark. */
static int run_module(const job *j, int32_t *result)
{
    file_source file = {{file_read, 0}, sh_open_read(j->target)};
    int length = file.handle >= 0 ? sh_flen(file.handle) : -1;
    if (length < 0) {
        if (file.handle >= 0) {
            sh_close(file.handle);
        }
        return JOB_NOFILE;
    }
    file.base.size = (uint32_t)length;
    env.context = (void *)(uintptr_t)j->id; /* report_unresolved names the job */
    loader_mark mark = loader_arena_mark(&arena);
    loaded_module module;
    void *entry = NULL;
    int status = loader_read(&env, &arena, &file.base, &module);
    sh_close(file.handle);
    if (status == LOADER_OK) {
        report_load(j, &module);
        status = loader_link(&env, &module);
        report_link(j, &module, status);
        rec_flush(); /* what was loaded where, out before any of its code runs */
    }
    if (status == LOADER_OK) {
        status = loader_find(&module, j->entry, &entry);
    }
    if (status == LOADER_OK) {
        status = loader_init(&env, &module);
    }
    if (status == LOADER_OK) {
        *result = call_on_job_stack(j->args, entry, &job_stack[sizeof job_stack / 8u]);
    }
    loader_arena_release(&arena, mark);
    return status;
}

static void run_job(const job *j, int exports_status)
{
    rec_begin("job");
    rec_word("id", j->id);
    rec_word("kind", j->kind);
    rec_str("target", j->target, strlen(j->target));
    rec_end();
    rec_flush();
    int32_t result = 0;
    int status = JOB_UNKNOWN;
    if (strcmp(j->kind, "module") == 0 && j->supported) {
        status = exports_status != LOADER_OK ? exports_status : run_module(j, &result);
    }
    rec_begin("end");
    rec_word("id", j->id);
    rec_word("status", status == LOADER_OK ? "ok" : status == JOB_NOFILE ? "nofile"
                       : status == JOB_UNKNOWN ? "unknown" : "rejected");
    if (status == LOADER_OK) {
        rec_i32("ret", result);
    } else if (status < 0) {
        rec_word("error", loader_strerror(status));
    }
    rec_end();
}

/* After every job: a module that wrote below its image damaged the firmware's RAM. */
static void check_arena_canary(const job *j)
{
    if (arena_canary[0] == ARENA_CANARY && arena_canary[1] == ARENA_CANARY) {
        return;
    }
    rec_begin("integrity");
    rec_word("job", j->id);
    rec_word("damaged", "arena_canary");
    rec_end();
    finish(EXIT_DAMAGED);
}

/* The next space-separated field, or one in double quotes (which may hold spaces); NULL at
 * the end of the line. */
static char *next_field(char **cursor)
{
    char *p = *cursor;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (*p == '\0') {
        return NULL;
    }
    char stop = *p == '"' ? '"' : ' ';
    char *start = stop == '"' ? ++p : p;
    while (*p != '\0' && *p != stop && !(stop == ' ' && *p == '\t')) {
        p++;
    }
    if (*p != '\0') {
        *p++ = '\0';
    }
    *cursor = p;
    return start;
}

static int parse_args(char *text, int32_t args[4])
{
    for (unsigned n = 0; n < 4u && *text != '\0'; n++) {
        char *end;
        args[n] = (int32_t)strtol(text, &end, 10);
        if (end == text || (*end != ',' && *end != '\0')) {
            return -1;
        }
        text = *end == ',' ? end + 1 : end;
    }
    return *text == '\0' ? 0 : -1;
}

/* A job list line (PROTOCOL.md, "Job list") as a job; an error message, or NULL. */
static const char *parse_job(char *line, job *j)
{
    char *cursor = line;
    memset(j, 0, sizeof *j);
    j->id = next_field(&cursor);
    j->kind = next_field(&cursor);
    j->target = next_field(&cursor);
    j->entry = "module_main";
    j->supported = 1;
    if (j->target == NULL) {
        return "expected: id kind target [options]";
    }
    for (char *option; (option = next_field(&cursor)) != NULL;) {
        if (strncmp(option, "entry=", 6) == 0) {
            j->entry = option + 6;
        } else if (strncmp(option, "args=", 5) == 0) {
            if (parse_args(option + 5, j->args) != 0) {
                return "args= takes up to four decimal integers";
            }
        } else if (strncmp(option, "dep=", 4) == 0 || strcmp(option, "abi=tems") == 0) {
            j->supported = 0;
        } else if (strncmp(option, "budget=", 7) != 0) { /* budgets: not enforced here */
            return "unknown option";
        }
    }
    return NULL;
}

/* The job list, a line at a time from a file offset: no buffer for the whole file. */
static int joblist_handle;
static uint32_t joblist_offset;

static int next_line(char line[LINE_BYTES])
{
    if (sh_seek(joblist_handle, joblist_offset) != 0) {
        return 0;
    }
    int got = sh_read(joblist_handle, line, LINE_BYTES - 1u);
    if (got <= 0) {
        return got;
    }
    line[got] = '\0';
    char *end = memchr(line, '\n', (size_t)got);
    if (end == NULL && got == (int)(LINE_BYTES - 1u)) {
        return -1;
    }
    end = end != NULL ? end : line + got;
    joblist_offset += (uint32_t)(end - line) + 1u;
    *end = '\0';
    if (end > line && end[-1] == '\r') {
        end[-1] = '\0';
    }
    return 1;
}

int main(void)
{
    arena_canary[0] = arena_canary[1] = ARENA_CANARY;
    int exports_status = loader_setup();
    report_boot(exports_status);
    static char cmdline[192];
    char *path = sh_get_cmdline(cmdline, sizeof cmdline) == 0 ? strchr(cmdline, ' ') : NULL;
    while (path != NULL && *path == ' ') {
        path++; /* the job list: everything after the first word */
    }
    if (path == NULL || *path == '\0') {
        joblist_failed("no job list path on the semihosting command line", 0);
    }
    joblist_handle = sh_open_read(path);
    if (joblist_handle < 0) {
        joblist_failed("cannot open the job list", 0);
    }
    static char line[LINE_BYTES];
    static job current;
    int got;
    uint32_t number = 0;
    while ((got = next_line(line)) == 1) {
        number++;
        if (line[strspn(line, " \t")] == '\0' || line[0] == '#') {
            continue;
        }
        const char *error = parse_job(line, &current);
        if (error != NULL) {
            joblist_failed(error, number);
        }
        run_job(&current, exports_status);
        check_arena_canary(&current);
    }
    if (got < 0) {
        joblist_failed("a line longer than 255 bytes, or unreadable", number + 1u);
    }
    sh_close(joblist_handle);
    finish(EXIT_COMPLETED);
}
