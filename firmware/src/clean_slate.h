/* Every job starts from the same state, whatever ran before it in the same boot: the module
 * arena (loaded images, heap, the job's runtime block) and the job stack hold zero, and
 * (job_call.c) every call into job code starts with the FPU's registers and FPSCR zero. An uninitialised read in a module (a fresh malloc, a local array, a
 * float register) then gives the same value with --batch 1 and --batch 50. */
#ifndef CLEAN_SLATE_H
#define CLEAN_SLATE_H

/* Privileged, between jobs. */
void clean_slate(void);

#endif
