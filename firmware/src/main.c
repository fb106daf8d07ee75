/* The reference firmware's job runner: report the boot, read the job list named on the
 * semihosting command line, run each job, report each outcome, exit with a status.
 * PROTOCOL.md describes every record printed here. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "armv7m.h"
#include "board_config.h" /* generated per board by the build: BOARD_NAME, BOARD_CLOCK_HZ */
#include "cache.h"
#include "clean_slate.h"
#include "diag.h"
#include "faults.h"
#include "firmware.h"
#include "firmware_exports.h"
#include "job_call.h"
#include "job_outcome.h"
#include "integrity.h"
#include "joblist.h"
#include "module_jobs.h"
#include "mpu.h"
#include "records.h"
#include "resume.h"
#include "semihost.h"
#include "timing.h"
#include "memory_map.h"

#define CMDLINE_BYTES 192

static joblist_reader reader;
static job current;

static void report_boot(timer_source timer, int exports_status)
{
    rec_begin("boot");
    rec_u32("proto", RECORD_PROTOCOL_VERSION);
    rec_word("fw", FIRMWARE_VERSION);
    rec_word("board", BOARD_NAME);
    rec_hex("cpuid", SCB_CPUID);
#if defined(__ARM_FP)
    rec_u32("fpu", 1);
#else
    rec_u32("fpu", 0);
#endif
    rec_u32("caches", cache_present() ? 1u : 0u);
    rec_word("timer", timing_source_name(timer));
    rec_u32("clock", BOARD_CLOCK_HZ);
    rec_hex("arena", (uint32_t)__module_arena_start);
    rec_u32("arena_bytes", (uint32_t)(__module_arena_end - __module_arena_start));
    rec_u32("api_major", firmware_exports.api_major);
    rec_u32("api_minor", firmware_exports.api_minor);
    rec_word("exports", exports_status == LOADER_OK ? "ok" : "bad");
    rec_end();
}

__attribute__((noreturn)) static void finish(enum firmware_exit_status status)
{
    resume_clear();
    rec_begin("exit");
    rec_u32("status", (uint32_t)status);
    rec_end();
    rec_flush();
    sh_exit((uint32_t)status);
}

__attribute__((noreturn)) static void failed(const char *in, const char *what, unsigned line,
                                             enum firmware_exit_status status)
{
    rec_begin("error");
    rec_word("in", in);
    rec_u32("line", line);
    rec_str("msg", what, strlen(what));
    rec_end();
    finish(status);
}

__attribute__((noreturn)) static void joblist_failed(const char *what, unsigned line)
{
    failed("joblist", what, line, FW_EXIT_BAD_JOBLIST);
}

/* The job list path: everything after the first word (argv[0]) of the command line. */
static const char *joblist_path(char *cmdline)
{
    char *p = strchr(cmdline, ' ');
    if (p == 0) {
        return 0;
    }
    while (*p == ' ') {
        p++;
    }
    return *p != '\0' ? p : 0;
}

static void run_diag_job(const job *j)
{
    job_fn diagnostic = diag_find(j->target);
    int32_t result = 0;
    int outcome = JOB_FAULT;
    uint64_t elapsed = 0;
    if (diagnostic != NULL && strncmp(j->target, DIAG_FIRMWARE_PREFIX,
                                      sizeof DIAG_FIRMWARE_PREFIX - 1u) == 0) {
        timing_stamp start = timing_mark();
        result = diagnostic(j->args[0], j->args[1], j->args[2], j->args[3]); /* not contained */
        elapsed = timing_since(&start);
        outcome = 0;
    } else if (diagnostic != NULL) {
        timing_stamp start = timing_mark();
        outcome = job_outcome_of_call(job_call(diagnostic, j->args, 1, &result));
        elapsed = timing_since(&start);
    }
    rec_begin("end");
    rec_word("id", j->id);
    rec_word("status", diagnostic == NULL ? "unknown" : job_outcome_status(outcome));
    if (diagnostic != NULL && outcome == 0) {
        rec_i32("ret", result);
        rec_u64("run", elapsed);
    }
    rec_end();
}

/* After every job: if the job damaged the firmware's state, say so and end the boot, since
 * nothing the firmware does afterwards could be trusted. */
static void check_integrity(const job *j)
{
    const char *damaged = integrity_check();
    if (damaged == NULL) {
        return;
    }
    rec_begin("integrity");
    rec_word("job", j->id);
    rec_word("damaged", damaged);
    rec_end();
    finish(FW_EXIT_CORRUPTED);
}

/* From the job list's timing directive on, the figures count instructions; @timing says so
 * before the first @end that does. */
static void take_timing_directive(const joblist_reader *list)
{
    if (list->ns_per_instruction == timing_instruction_ns()) {
        return;
    }
    timing_set_instruction_ns(list->ns_per_instruction);
    rec_begin("timing");
    rec_word("unit", "instructions");
    rec_u32("ns_per_instruction", list->ns_per_instruction);
    rec_end();
}

static void run_job(const job *j, uint32_t ordinal)
{
    resume_job_started(ordinal, j->id); /* a reset from here on is this job's outcome */
    clean_slate(); /* nothing an earlier job left may reach this one */
    job_call_new_budget(job_budget(j));
    rec_begin("job");
    rec_word("id", j->id);
    rec_word("kind", j->kind);
    rec_str("target", j->target, strlen(j->target));
    rec_end();
    rec_flush(); /* the host times each job from its @job line: it must not wait in a buffer */

    faults_set_job(j->id);
    timing_begin_job();
    if (strcmp(j->kind, "diag") == 0) {
        run_diag_job(j);
    } else if (strcmp(j->kind, "module") == 0 || strcmp(j->kind, "app") == 0) {
        module_job_run(j);
    } else {
        rec_begin("end");
        rec_word("id", j->id);
        rec_word("status", "unknown");
        rec_end();
    }
    check_integrity(j);
    faults_set_job(0);
    resume_job_ended();
}

/* After a reset part-way through the job list (resume.h): skip the jobs that had started,
 * name the one the reset ended (@resume), and go on. Returns the ordinal of the next job. */
static uint32_t resume_batch(const resume_point *point)
{
    if (point->stalls >= RESUME_LOOP_LIMIT) {
        failed("resume", "reset loop: the system reset again and again without the job list "
               "moving on", reader.line_number, FW_EXIT_RESET_LOOP);
    }
    const char *error = 0;
    for (uint32_t ordinal = 0; ordinal < point->next; ordinal++) {
        int got = joblist_next(&reader, &current, &error);
        if (got < 0) {
            joblist_failed(error, reader.line_number);
        }
        if (got == 0) {
            failed("resume", "the reset record names a job past the job list's end",
                   reader.line_number, FW_EXIT_RESET_LOOP);
        }
    }
    int reset_job = point->job_was_running;
    if (reset_job && !resume_is_job(point, current.id)) {
        failed("resume", "the reset record does not fit the job list", reader.line_number,
               FW_EXIT_RESET_LOOP);
    }
    rec_begin("resume");
    rec_word("job", reset_job ? current.id : "-");
    rec_end();
    return point->next;
}

int main(void)
{
    integrity_init();
    faults_apply_policy();
    mpu_init();
    timer_source timer = timing_init();
    __asm__ volatile("cpsie i" ::: "memory");
    clean_slate(); /* RAM is not zero at reset on silicon: the console state must be */
    resume_point resume = resume_take();
    report_boot(timer, module_jobs_init());

    static char cmdline[CMDLINE_BYTES];
    const char *path = sh_get_cmdline(cmdline, sizeof cmdline) == 0 ? joblist_path(cmdline) : 0;
    if (path == 0) {
        joblist_failed("no job list path on the semihosting command line", 0);
    }
    if (resume.joblist_handle >= 0) {
        sh_close(resume.joblist_handle); /* the handle from before the reset, still open */
    }
    if (joblist_open(&reader, path) < 0) {
        joblist_failed("cannot open the job list", 0);
    }
    resume_joblist_opened(reader.handle);
    uint32_t ordinal = resume.resumed ? resume_batch(&resume) : 0u;
    const char *error = 0;
    int got;
    while ((got = joblist_next(&reader, &current, &error)) == 1) {
        take_timing_directive(&reader);
        run_job(&current, ordinal++);
    }
    if (got < 0) {
        joblist_failed(error, reader.line_number);
    }
    joblist_close(&reader);
    finish(FW_EXIT_COMPLETED);
}
