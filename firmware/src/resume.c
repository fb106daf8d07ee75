/* The reset record (resume.h). Checked by a CRC over its words, so what RAM holds at a cold
 * power-on (anything, on silicon; zero on QEMU) is never taken for one. */
#include "resume.h"

#include <string.h>

#include "crc32.h"
#include "loader.h" /* loader_crc32 */

#define RECORD_MAGIC 0x52534D31u /* "RSM1" */

typedef struct {
    uint32_t magic;
    uint32_t next;          /* jobs started so far: the ordinal of the next one */
    uint32_t running;       /* 1 from job next - 1's start to its end */
    uint32_t job_id_crc;    /* CRC-32 of that job's id */
    uint32_t last_next;     /* next at the last reset (0 before one): whether the list moved on */
    uint32_t stalls;        /* stalls in a row (resume_take) */
    int32_t joblist_handle; /* the job list's semihosting handle, -1 before it is open */
    uint32_t check;         /* CRC-32 of the words above */
} reset_record;

__attribute__((section(".noinit"))) static reset_record record;

static uint32_t crc_of(const void *data, uint32_t len)
{
    return loader_crc32(firmware_crc32_table, 0, data, len);
}

static void seal(void)
{
    record.check = crc_of(&record, offsetof(reset_record, check));
}

static int record_valid(void)
{
    return record.magic == RECORD_MAGIC && record.check == crc_of(&record, offsetof(reset_record, check));
}

resume_point resume_take(void)
{
    resume_point point = {0};
    if (!record_valid()) {
        memset(&record, 0, sizeof record);
        record.magic = RECORD_MAGIC;
        record.joblist_handle = -1;
        seal();
        point.joblist_handle = -1;
        return point;
    }
    point.resumed = 1;
    point.next = record.next;
    point.job_was_running = record.running != 0u;
    point.job_id_crc = record.job_id_crc;
    /* A stall: a reset while no job ran (in the firmware's own code), or one that finds the
     * list no further on than the last reset did (a job cannot reset twice: its record was
     * rewritten; before any reset last_next is 0, and a running job's next is at least 1). A
     * job that ends clears the count. */
    int stalled = !record.running || record.next <= record.last_next;
    point.stalls = stalled ? record.stalls + 1u : 0u;
    point.joblist_handle = record.joblist_handle;
    record.joblist_handle = -1;
    record.running = 0u;
    record.last_next = record.next;
    record.stalls = point.stalls;
    seal();
    return point;
}

int resume_is_job(const resume_point *point, const char *id)
{
    return point->job_was_running && crc_of(id, (uint32_t)strlen(id)) == point->job_id_crc;
}

void resume_joblist_opened(int handle)
{
    record.joblist_handle = handle;
    seal();
}

void resume_job_started(uint32_t ordinal, const char *id)
{
    record.next = ordinal + 1u; /* a reset from here on is this job's: resume after it */
    record.running = 1u;
    record.job_id_crc = crc_of(id, (uint32_t)strlen(id));
    seal();
}

void resume_job_ended(void)
{
    record.running = 0u;
    record.stalls = 0u; /* a job ran to its end: the list moved on */
    seal();
}

void resume_job_forgotten(void)
{
    record.next -= record.running;
    record.running = 0u;
    seal();
}

void resume_clear(void)
{
    record.magic = 0u;
}
