/* Module jobs: "<id> module <path> [entry=name] [args=...]" and "<id> app <path>" in the job
 * list. */
#ifndef MODULE_JOBS_H
#define MODULE_JOBS_H

#include "joblist.h"
#include "loader.h"

/* Set up the arena and the loader's view of this core; check the export table (fail closed:
 * if it is bad, every module job is rejected with bad_exports). Returns the table's status. */
int module_jobs_init(void);

/* Load, link, initialise and run one module, then unload it; prints the job's @end record.
 * An `app` job's module is an application image: after the link its vector table is checked
 * and it is started as a bootloader starts an application (PROTOCOL.md, "Application
 * images"). */
void module_job_run(const job *j);

#endif
