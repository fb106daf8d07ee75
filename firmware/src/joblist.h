/* The job list: a text file the host writes and the firmware reads over semihosting, one job
 * per line. PROTOCOL.md describes the format. Read line by line, so its length is not bounded
 * by the board's RAM. */
#ifndef JOBLIST_H
#define JOBLIST_H

#include <stddef.h>
#include <stdint.h>

#define JOB_MAX_ARGS 4
#define JOB_MAX_DEPS 4
#define JOB_LINE_BYTES 256

typedef struct {
    char line[JOB_LINE_BYTES]; /* the tokens below point into this copy of the line */
    const char *id;
    const char *kind;          /* "diag" or "module" */
    const char *target;        /* the diagnostic's name, or the module file's path */
    const char *entry;         /* module jobs: the entry's name (default module_main) */
    int abi_tems;              /* module jobs: "abi=tems", the TEMS _start(info, action) protocol */
    const char *deps[JOB_MAX_DEPS]; /* module jobs: "dep=path", resident libraries, load order */
    unsigned dep_count;
    uint64_t budget;           /* "budget=N": ticks the job's code may run in all; 0: default */
    int32_t args[JOB_MAX_ARGS];
    unsigned arg_count;
} job;

typedef struct {
    int handle;
    char chunk[256];           /* one read covers several job lines: fewer semihosting calls */
    size_t chunk_len;
    size_t chunk_pos;
    unsigned line_number;
    uint32_t ns_per_instruction; /* from a "#!timing ns_per_instruction=N" line; 0: none yet */
} joblist_reader;

/* Open the job list. Returns 0, or -1 if the host file cannot be opened. */
int joblist_open(joblist_reader *reader, const char *path);

/* Read the next job. Returns 1 with *out filled, 0 at the end of the list, or -1 with *error
 * naming what is wrong with the current line (reader->line_number). A timing directive on the
 * way sets reader->ns_per_instruction. */
int joblist_next(joblist_reader *reader, job *out, const char **error);

void joblist_close(joblist_reader *reader);

#endif
