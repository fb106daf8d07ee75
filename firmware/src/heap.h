/* The heap modules get through malloc and friends: the free part of the module arena above the
 * job's loaded modules, up to the job's runtime block (job_runtime.h). The firmware clears the
 * arena and resets the heap for every job, so no job sees another's leftovers and results do not
 * depend on which jobs shared a boot. */
#ifndef HEAP_H
#define HEAP_H

#include <stdint.h>

/* Give the job the heap [start, end of the arena's free part). Privileged; writes only the
 * runtime block. */
void heap_reset(uint8_t *start);

#endif
