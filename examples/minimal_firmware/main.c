/* A minimal firmware on the loader library (firmware/loader/loader.h): reset, semihosting, and
 * the smallest job runner that speaks the record protocol (firmware/src/PROTOCOL.md) to run the
 * job list named on the command line. README.md beside this file says what it leaves out. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board_config.h" /* generated per board by the build: BOARD_NAME, BOARD_CLOCK_HZ, ... */
#include "firmware_exports.h"
#include "loader.h"

#define SCB_CPUID (*(volatile uint32_t *)0xE000ED00u)
#define LINE_BYTES 256u   /* a job list line: at most 255 bytes (PROTOCOL.md), and a NUL */
#define ARENA_CANARY 0xC0DEDBADu

/* ARM semihosting: these calls and no other (QEMU aborts on one it does not have). */
enum { SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE0 = 0x04, SYS_READ = 0x06, SYS_SEEK = 0x0A,
       SYS_FLEN = 0x0C, SYS_GET_CMDLINE = 0x15, SYS_EXIT_EXTENDED = 0x20 };
enum { EXIT_COMPLETED = 0, EXIT_BAD_JOBLIST = 2, EXIT_FAULT = 3, EXIT_DAMAGED = 4 }; /* PROTOCOL */
enum { JOB_NOFILE = 1, JOB_UNKNOWN = 2 };   /* how a job ends besides the loader's statuses */

typedef struct {
    const char *id, *kind, *target, *entry;   /* entry NULL: dep= or abi=tems, not done here */
    int32_t args[4];
} job;

extern uint32_t __stack_top, __data_start, __data_end, __data_load, __bss_start, __bss_end;
extern uint8_t __module_arena_start[], __module_arena_end[];
/* First in RAM (boards/sections.ld), so running off it faults: Reset_Handler's PSP. */
__attribute__((section(".job_stack"))) static uint64_t job_stack[BOARD_JOB_STACK_BYTES / 8u];
/* Just below the module arena (boards/sections.ld): a module writing below its image hits it. */
__attribute__((section(".canary.arena"), used)) static volatile uint32_t arena_canary[2];
/* No MPU here, so a module's code and data need no boundary of their own: 8-byte alignment. */
static loader_arena arena = {.start = __module_arena_start, .end = __module_arena_end,
                             .top = __module_arena_start, .segment_align = 8u, .data_align = 8u};
static const uint32_t crc32_table[LOADER_CRC32_TABLE_ENTRIES] = LOADER_CRC32_TABLE;
static int32_t module_file;   /* the semihosting handle loader_read reads through */
static char out[64];          /* module output: 64 bytes per @out record at most (PROTOCOL.md) */
static size_t out_len;

void Fault_Handler(void);
void Reset_Handler(void);

/* "bkpt 0xAB", the operation in r0, its argument block in r1, the answer in r0. */
static int32_t semihost(uint32_t op, const void *block)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = block;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

/* A record, or the start of one record_quoted ends, out at once (the host reads lines). */
__attribute__((format(printf, 1, 2))) static void record(const char *format, ...)
{
    static char piece[320];   /* a record's own text and a job list line's 255 bytes */
    va_list args;
    va_start(args, format);
    vsnprintf(piece, sizeof piece, format, args);
    va_end(args);
    semihost(SYS_WRITE0, piece);
}

/* A record's last value, quoted, then "\n": '"', '\\' and unprintable bytes as \xHH. */
static void record_quoted(const char *text, size_t len)
{
    record("\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        record(c >= 0x20u && c < 0x7Fu && c != '"' && c != '\\' ? "%c" : "\\x%02x", c);
    }
    record("\"\n");
}

__attribute__((noreturn)) static void finish(uint32_t status)
{
    record("@exit status=%lu\n", status);
    for (;;) {   /* ADP_Stopped_ApplicationExit: QEMU exits with the status */
        semihost(SYS_EXIT_EXTENDED, (uint32_t[2]){0x20026u, status});
    }
}

/* What the running module printed and was not sent yet, as an @out record. */
static void out_flush(void)
{
    if (out_len != 0u) {
        record("@out text=");
        record_quoted(out, out_len);
        out_len = 0;
    }
}

/* The console modules import (exports.txt). Modules run privileged here: no SVC to reach it. */
int putchar(int c)
{
    out[out_len++] = (char)c;
    if (c == '\n' || out_len == sizeof out) {
        out_flush();
    }
    return (unsigned char)c;
}

/* newlib-nano's vsnprintf formats, so a module prints what the same C prints on the host. One
 * call prints 255 bytes at most (README.md beside this file) and returns the full length. */
int printf(const char *format, ...)
{
    static char text[256];
    va_list args;
    va_start(args, format);
    int length = vsnprintf(text, sizeof text, format, args);
    va_end(args);
    for (int i = 0; i < length && i < (int)sizeof text - 1; i++) {
        putchar(text[i]);
    }
    return length;
}

int puts(const char *text)
{
    return printf("%s\n", text);
}

/* vsnprintf links malloc (to grow an asprintf string), and malloc _sbrk: there is no heap. */
void *_sbrk(ptrdiff_t increment);
void *_sbrk(ptrdiff_t increment)
{
    (void)increment;
    return (void *)-1;
}

/* Nothing is contained: a module's fault is the firmware's (README.md beside this file). */
void Fault_Handler(void)
{
    uint32_t ipsr, cfsr = 0, hfsr = 0;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
#if !defined(__ARM_ARCH_6M__) /* which has no CFSR or HFSR: 0 (PROTOCOL.md) */
    cfsr = *(volatile uint32_t *)0xE000ED28u;
    hfsr = *(volatile uint32_t *)0xE000ED2Cu;
#endif
    out_flush(); /* what the module printed came first */
    record("@fault job=- exc=%lu cfsr=0x%08lx hfsr=0x%08lx\n", ipsr & 0x1FFu, cfsr, hfsr);
    finish(EXIT_FAULT);
}

__attribute__((noreturn)) static void joblist_failed(const char *what, uint32_t line)
{
    record("@error in=joblist line=%lu msg=", line);
    record_quoted(what, strlen(what));
    finish(EXIT_BAD_JOBLIST);
}

static void report_unresolved(void *context, const char *name)
{
    record("@unresolved id=%s name=", (const char *)context);
    record_quoted(name, strlen(name));
}

/* No hooks: constructors are called directly, and no cache is on (the loader's DSB, ISB do). */
static loader_env env = {.exports = &firmware_exports, .crc32_table = crc32_table,
                         .report_unresolved = report_unresolved};

/* The running core and FPU for the loader, and the @boot record; the export table's check. */
static int loader_setup(void)
{
    env.core = loader_core_from_cpuid(SCB_CPUID);
#if defined(__ARM_FP)
    env.fpu = BOARD_FPU_KIND;   /* Reset_Handler enabled it */
#endif
    int status = loader_check_exports(&firmware_exports, crc32_table);
    record("@boot proto=1 fw=minimal-0.2 board=%s cpuid=0x%08lx fpu=%d caches=0 timer=none "
           "clock=%lu arena=0x%08lx arena_bytes=%lu api_major=%u api_minor=%u exports=%s\n",
           BOARD_NAME, SCB_CPUID, env.fpu != MOD_FPU_NONE, (uint32_t)BOARD_CLOCK_HZ,
           (uint32_t)arena.start, (uint32_t)(arena.end - arena.start), firmware_exports.api_major,
           firmware_exports.api_minor, status == LOADER_OK ? "ok" : "bad");
    return status;
}

/* Where it landed, each import's slot, the image's CRC: what the host's oracle predicts. */
static void report_link(const char *id, const loaded_module *module, int status)
{
    const mod_header *h = &module->header;
    record("@load id=%s base=0x%08lx data=0x%08lx bytes=%lu held=%lu\n", id,
           (uint32_t)module->base, (uint32_t)module->data,
           (uint32_t)(arena.top - module->base), (uint32_t)(arena.top - module->block_start));
    uint32_t bound = status == LOADER_OK || status == LOADER_E_UNRESOLVED ? h->import_count : 0;
    for (uint32_t i = 0; i < bound; i++) {
        uint32_t address;
        memcpy(&address, loader_address(module, module->imports[i].slot), sizeof address);
        const char *name = module->strings + module->imports[i].name;
        record("@bind id=%s addr=0x%08lx name=", id, address);
        record_quoted(name, strlen(name));
    }
    if (status == LOADER_OK) {
        uint32_t crc = loader_crc32(crc32_table, 0, module->base, h->text_size);
        crc = loader_crc32(crc32_table, crc, module->data, h->data_size);
        record("@linked id=%s crc=0x%08lx\n", id, crc);
    }
}

static int32_t open_to_read(const char *path) /* a handle, or -1 */
{
    return semihost(SYS_OPEN, (uint32_t[3]){(uint32_t)path, 1u /* "rb" */, strlen(path)});
}

/* SYS_READ answers how many bytes it could not read: 0 is all of them, len the end of file. */
static int32_t read_bytes(int32_t handle, void *dst, uint32_t len)
{
    return semihost(SYS_READ, (uint32_t[3]){(uint32_t)handle, (uint32_t)dst, len});
}

/* The loader_source's read: all len bytes from offset in module_file, or -1. */
static int read_module(loader_source *self, uint32_t offset, void *dst, uint32_t len)
{
    (void)self;
    int32_t seek = semihost(SYS_SEEK, (uint32_t[2]){(uint32_t)module_file, offset});
    return seek == 0 && read_bytes(module_file, dst, len) == 0 ? 0 : -1;
}

/* The loader's stages in loader.h's order; whatever happens, the arena goes back to the mark. */
static int run_module(const job *j, int32_t *result)
{
    module_file = open_to_read(j->target);
    int32_t length = semihost(SYS_FLEN, &module_file);   /* -1 for the handle -1 too */
    loader_source source = {read_module, (uint32_t)length};
    loader_mark mark = loader_arena_mark(&arena);
    static loaded_module module;   /* static: the job stack is the module's */
    void *entry = NULL;
    env.context = (void *)(uintptr_t)j->id;   /* report_unresolved names the job */
    int status = length < 0 ? JOB_NOFILE : loader_read(&env, &arena, &source, &module);
    semihost(SYS_CLOSE, &module_file);
    if (status == LOADER_OK) {
        status = loader_link(&env, &module);
        report_link(j->id, &module, status);
    }
    if (status == LOADER_OK) {
        status = loader_find(&module, j->entry, &entry);
    }
    if (status == LOADER_OK) {
        status = loader_init(&env, &module);
    }
    if (status == LOADER_OK) {
        int32_t (*call)(int32_t, int32_t, int32_t, int32_t) = entry;
        *result = call(j->args[0], j->args[1], j->args[2], j->args[3]);
    }
    loader_arena_release(&arena, mark);
    return status;
}

static void run_job(const job *j, int exports_status)
{
    record("@job id=%s kind=%s target=", j->id, j->kind);
    record_quoted(j->target, strlen(j->target));
    int32_t result = 0;
    int status = JOB_UNKNOWN;
    if (strcmp(j->kind, "module") == 0 && j->entry != NULL) {
        status = exports_status != LOADER_OK ? exports_status : run_module(j, &result);
    }
    out_flush(); /* what the module printed belongs before its @end */
    if (status == LOADER_OK) {
        record("@end id=%s status=ok ret=%ld\n", j->id, result);
    } else if (status < 0) {
        record("@end id=%s status=rejected error=%s\n", j->id, loader_strerror(status));
    } else {
        record("@end id=%s status=%s\n", j->id, status == JOB_NOFILE ? "nofile" : "unknown");
    }
    if (arena_canary[0] != ARENA_CANARY || arena_canary[1] != ARENA_CANARY) {
        record("@integrity job=%s damaged=arena_canary\n", j->id);
        finish(EXIT_DAMAGED);
    }
}

/* The next field, NUL-ended in place (one in double quotes may hold spaces); NULL at the end. */
static char *next_field(char **cursor)
{
    char *start = *cursor + strspn(*cursor, " \t");
    if (*start == '\0') {
        return NULL;
    }
    int quoted = *start == '"';
    char *end = start + quoted + strcspn(start + quoted, quoted ? "\"" : " \t");
    *cursor = *end != '\0' ? end + 1 : end;
    *end = '\0';
    return start + quoted;
}

/* Up to four comma-separated decimal integers: 0, or -1 (what is not one stops the parse). */
static int parse_args(char *text, int32_t args[4])
{
    for (unsigned n = 0; n < 4u && *text != '\0'; n++) {
        char *end;
        args[n] = (int32_t)strtol(text, &end, 10);
        text = end != text && *end == ',' ? end + 1 : end;
    }
    return *text == '\0' ? 0 : -1;
}

/* A job list line (PROTOCOL.md, "Job list") as a job; an error message, or NULL. */
static const char *parse_job(char *line, job *j)
{
    *j = (job){.entry = "module_main"};
    j->id = next_field(&line);
    j->kind = next_field(&line);
    j->target = next_field(&line);
    if (j->target == NULL) {
        return "expected: id kind target [options]";
    }
    for (char *option; (option = next_field(&line)) != NULL;) {
        if (strncmp(option, "dep=", 4) == 0 || strcmp(option, "abi=tems") == 0) {
            j->entry = NULL;
        } else if (strncmp(option, "entry=", 6) == 0) {
            j->entry = j->entry != NULL ? option + 6 : NULL;
        } else if (strncmp(option, "args=", 5) == 0) {
            if (parse_args(option + 5, j->args) != 0) {
                return "args= takes up to four decimal integers";
            }
        } else if (strncmp(option, "budget=", 7) != 0) {   /* budgets: not enforced here */
            return "unknown option";
        }
    }
    return NULL;
}

/* The job list's next line, read bytewise (RAM holds a line, not the file): 1, 0 at its end, or
 * -1 for a line over 255 bytes or a failed read. */
static int next_line(int32_t handle, char line[LINE_BYTES])
{
    size_t len = 0;
    int32_t not_read;
    while ((not_read = read_bytes(handle, &line[len], 1)) == 0 && line[len] != '\n') {
        if (++len == LINE_BYTES) {
            return -1;
        }
    }
    line[len] = '\0';
    return not_read < 0 ? -1 : not_read == 0 || len > 0u;
}

int main(void)
{
    static char cmdline[192], line[LINE_BYTES];
    static job current;
    arena_canary[0] = arena_canary[1] = ARENA_CANARY;
    int exports_status = loader_setup();
    int32_t got = semihost(SYS_GET_CMDLINE, (uint32_t[2]){(uint32_t)cmdline, sizeof cmdline});
    char *path = got == 0 ? strchr(cmdline, ' ') : NULL;   /* after the first word */
    int32_t handle = path != NULL ? open_to_read(path + strspn(path, " ")) : -1;
    if (handle < 0) {
        joblist_failed("no job list on the semihosting command line, or it does not open", 0);
    }
    uint32_t number = 0;
    while ((got = next_line(handle, line)) == 1) {
        number++;
        if (line[strspn(line, " \t")] == '\0' || line[0] == '#') {
            continue;
        }
        const char *error = parse_job(line, &current);
        if (error != NULL) {
            joblist_failed(error, number);
        }
        run_job(&current, exports_status);
    }
    if (got < 0) {
        joblist_failed("a line longer than 255 bytes, or unreadable", number + 1u);
    }
    semihost(SYS_CLOSE, &handle);
    finish(EXIT_COMPLETED);
}

void Reset_Handler(void)
{
#if defined(__ARM_FP)
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CPACR: before any FP instruction */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    memcpy(&__data_start, &__data_load, (uintptr_t)&__data_end - (uintptr_t)&__data_start);
    memset(&__bss_start, 0, (uintptr_t)&__bss_end - (uintptr_t)&__bss_start);
    /* Thread code (main and the modules it calls) on the job stack; handlers keep the main
     * stack, so Fault_Handler has one even when a module ran off the job stack. */
    __asm__ volatile("msr psp, %0\n\tmsr control, %1\n\tisb"   /* CONTROL.SPSEL: PSP */
                     : : "r"(&job_stack[sizeof job_stack / 8u]), "r"(2u) : "memory");
    main();
}

/* The system exceptions only: no interrupt is enabled, and any exception is a fault. */
__attribute__((section(".isr_vector"), used)) static void (*const vector_table[16])(void) = {
    [0] = (void (*)(void))&__stack_top,
    [1] = Reset_Handler,
    [2 ... 15] = Fault_Handler,
};
