/* Built-in diagnostic jobs: prove the fault path and the board's FPU policy end to end, with
 * no module involved. Selected from the job list as "<id> diag <name>". */
#ifndef DIAG_H
#define DIAG_H

#include <stdint.h>

/* Run diagnostic `name` with up to four arguments. Returns 0 and sets *result, or -1 if there
 * is no diagnostic of that name. A diagnostic that faults does not return. */
int diag_run(const char *name, const int32_t args[4], int32_t *result);

#endif
