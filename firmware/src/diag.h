/* Built-in diagnostic jobs: prove the fault path and the board's FPU policy end to end, with
 * no module involved. Selected from the job list as "<id> diag <name>". */
#ifndef DIAG_H
#define DIAG_H

#include "job_call.h"

/* The diagnostic called `name`, or NULL. It runs as job code (job_call), so its faults are
 * contained like a module's; except those whose name starts with "firmware_", which run in
 * the firmware's own context. */
#define DIAG_FIRMWARE_PREFIX "firmware_"
job_fn diag_find(const char *name);

#endif
