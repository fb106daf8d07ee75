/* The per-job runtime state that firmware code running in a module's context keeps: the global
 * destructors its C++ code registered (__aeabi_atexit, __cxa_atexit: cxx_runtime.c), the heap's
 * bookkeeping (malloc and friends) and the console output not yet handed over (putchar, puts,
 * printf). Those functions run unprivileged, as the module that called them, so their state must
 * be memory the module may write; it lives in the last bytes of the module arena, inside the
 * module's own reach, and the firmware clears the whole arena before every job.
 *
 * Nothing privileged trusts it. The only privileged readers are the console flush (svc #1 and
 * the flush before each record), which takes at most JOB_RUNTIME_OUT_BYTES bytes from the fixed
 * buffer, whatever the length word says; the unload, which reads at most
 * JOB_RUNTIME_MAX_DESTRUCTORS (function, argument) pairs, whatever the count says, and calls each
 * as unprivileged job code (module_jobs.c), where a wrong pointer is a contained fault; and
 * heap_reset, which only writes it. A module that scribbles over it spoils its own output, its
 * own heap or its own destructors, nothing else. */
#ifndef JOB_RUNTIME_H
#define JOB_RUNTIME_H

#include <stdint.h>
#include "memory_map.h"

#define JOB_RUNTIME_OUT_BYTES 64u
#define JOB_RUNTIME_MAX_DESTRUCTORS 16u /* a 17th registration is a contained fault */

/* One registered destructor: the unload calls fn(arg). */
typedef struct {
    void (*fn)(void *);
    void *arg;
} job_destructor;

typedef struct {
    uint32_t destructor_count;  /* registrations so far (untrusted: clamp before use) */
    uint32_t reserved;          /* keeps the fields below at their offsets from the arena end */
    job_destructor destructors[JOB_RUNTIME_MAX_DESTRUCTORS]; /* in order of registration */
    uint8_t *heap_next;  /* the next free byte of the heap */
    uint8_t *heap_end;   /* the end of the heap: this block */
    uint8_t *newest;     /* the newest block (free() of it gives it back), or NULL */
    uint32_t out_len;    /* bytes waiting in out[] (untrusted: clamp before use) */
    char out[JOB_RUNTIME_OUT_BYTES];
} job_runtime;

/* The arena bytes the block takes, kept a multiple of 8 so the heap below it stays aligned. */
#define JOB_RUNTIME_BYTES ((sizeof(job_runtime) + 7u) & ~7u)
/* No padding at the end: heap_next and the output buffer stay 80 and 64 bytes below the arena's
 * end, where hostile/ aims its attacks on them. */
_Static_assert(sizeof(job_runtime) == JOB_RUNTIME_BYTES, "job_runtime must be a multiple of 8");

/* The block: the arena's last JOB_RUNTIME_BYTES bytes (computed as an integer: the arena is a
 * linker symbol, which the compiler would take for a zero-length array). */
static inline job_runtime *job_runtime_block(void)
{
    return (job_runtime *)((uintptr_t)__module_arena_end - JOB_RUNTIME_BYTES);
}

#endif
