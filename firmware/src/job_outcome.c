#include "job_outcome.h"

#include "board_config.h"

#define DEFAULT_BUDGET_TICKS ((uint64_t)BOARD_CLOCK_HZ * 4u) /* 4 s of the core clock */

int job_outcome_of_call(job_call_status status)
{
    switch (status) {
    case JOB_CALL_RETURNED: return 0;
    case JOB_CALL_TIMED_OUT: return JOB_TIMEOUT;
    case JOB_CALL_FAULTED:
    case JOB_CALL_BROKE_ABI:
    default: return JOB_FAULT;
    }
}

const char *job_outcome_status(int outcome)
{
    switch (outcome) {
    case 0: return "ok";
    case JOB_NOFILE: return "nofile";
    case JOB_FAULT: return "fault";
    case JOB_TIMEOUT: return "timeout";
    default: return "rejected";
    }
}

uint64_t job_budget(const job *j)
{
    return j->budget != 0u ? j->budget : DEFAULT_BUDGET_TICKS;
}
