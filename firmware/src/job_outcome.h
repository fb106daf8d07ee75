/* How a job ended. LOADER_OK (0) and the loader's negative statuses come from loader.h; the
 * positive codes are the job runner's own. */
#ifndef JOB_OUTCOME_H
#define JOB_OUTCOME_H

#include "job_call.h"
#include "joblist.h"

enum job_outcome {
    JOB_NOFILE = 1,   /* a file named in the job could not be opened */
    JOB_FAULT = 2,    /* its code faulted or broke the callee-saved contract (contained) */
    JOB_TIMEOUT = 3,  /* its code ran past the budget and was stopped */
};

/* JOB_FAULT, JOB_TIMEOUT or LOADER_OK for what job_call said. */
int job_outcome_of_call(job_call_status status);

/* The @end record's status word for an outcome: ok, rejected, nofile, fault, timeout. */
const char *job_outcome_status(int outcome);

/* The job's budget in ticks, for all its code together: its budget= option, or 4 s of the core
 * clock (the host always passes one: module.toml's budget, or its default, converted from
 * instructions). */
uint64_t job_budget(const job *j);

#endif
