/* Resuming a batch after a system reset, the way an STM32 bootloader's flag survives one: a
 * record in .noinit RAM (boards/sections.ld; start-up code never clears it) says how far
 * through the job list the firmware was. After a reset the firmware skips the jobs it had
 * started and goes on in the same QEMU; a reset while a job ran is that job's outcome.
 * PROTOCOL.md, "Resets", describes what the host sees. */
#ifndef RESUME_H
#define RESUME_H

#include <stdint.h>

/* Stalls in a row, resets while no job ran or that find the job list no further on than the
 * reset before them, with no job ending between them: a reset loop, and the boot ends. */
#define RESUME_LOOP_LIMIT 3u

typedef struct {
    int resumed;          /* 1: this boot follows a reset part-way through the job list */
    uint32_t next;        /* the ordinal (from 0) of the first job to run: the ones before it
                           * had started before the reset */
    int job_was_running;  /* 1: the job at next - 1 was running when the reset came */
    uint32_t job_id_crc;  /* CRC-32 of that job's id, to check the job list is the same one */
    uint32_t stalls;      /* stalls in a row, this reset included (RESUME_LOOP_LIMIT) */
    int joblist_handle;   /* the semihosting handle the job list had before the reset */
} resume_point;

/* At boot, before the first job: where to resume, from the record a reset left (resumed 0 on
 * a cold boot: the record is not valid), and the record made ready for this boot. */
resume_point resume_take(void);

/* Whether id is the id of the job that was running when the reset came. */
int resume_is_job(const resume_point *point, const char *id);

/* The job list is open with this semihosting handle: after a reset the firmware closes it,
 * since the host's side of a handle outlives the reset (QEMU keeps it open). */
void resume_joblist_opened(int handle);

/* A job starts (ordinal: its place in the job list, from 0) / has ended. */
void resume_job_started(uint32_t ordinal, const char *id);
void resume_job_ended(void);

/* Only for the diagnostic that stands for a reset in the firmware's own code (diag.c,
 * reset_loop): the running job is forgotten, so a reset now finds the list no further on. */
void resume_job_forgotten(void);

/* The boot is ending: a later boot starts the job list from its beginning. */
void resume_clear(void);

#endif
