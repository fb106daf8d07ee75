/* The per-job runtime state that firmware code running in a module's context keeps: the heap's
 * bookkeeping (malloc and friends) and the console output not yet handed over (putchar, puts,
 * printf). Those functions run unprivileged, as the module that called them, so their state must
 * be memory the module may write; it lives in the last bytes of the module arena, inside the
 * module's own reach, and the firmware clears the whole arena before every job.
 *
 * Nothing privileged trusts it. The only privileged readers are the console flush (svc #1 and
 * the flush before each record), which takes at most JOB_RUNTIME_OUT_BYTES bytes from the fixed
 * buffer, whatever the length word says, and heap_reset, which only writes it. A module that
 * scribbles over it spoils its own output or its own heap, nothing else. */
#ifndef JOB_RUNTIME_H
#define JOB_RUNTIME_H

#include <stdint.h>

#define JOB_RUNTIME_OUT_BYTES 64u

typedef struct {
    uint8_t *heap_next;  /* the next free byte of the heap */
    uint8_t *heap_end;   /* the end of the heap: this block */
    uint8_t *newest;     /* the newest block (free() of it gives it back), or NULL */
    uint32_t out_len;    /* bytes waiting in out[] (untrusted: clamp before use) */
    char out[JOB_RUNTIME_OUT_BYTES];
} job_runtime;

/* The arena bytes the block takes, kept a multiple of 8 so the heap below it stays aligned. */
#define JOB_RUNTIME_BYTES ((sizeof(job_runtime) + 7u) & ~7u)

extern uint8_t __module_arena_end[];

/* The block: the arena's last JOB_RUNTIME_BYTES bytes (computed as an integer: the arena is a
 * linker symbol, which the compiler would take for a zero-length array). */
static inline job_runtime *job_runtime_block(void)
{
    return (job_runtime *)((uintptr_t)__module_arena_end - JOB_RUNTIME_BYTES);
}

#endif
