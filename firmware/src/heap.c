/* A bump allocator with a size word before each block. free() gives memory back only when it
 * frees the newest block (which covers malloc/free pairs and realloc growth); a job's heap is
 * discarded whole at the next heap_reset. Blocks are 8-byte aligned, as AAPCS wants.
 *
 * Everything but heap_reset runs in the calling module's unprivileged context, on bookkeeping
 * the module may write (job_runtime.h): if it corrupts it, malloc hands out addresses the MPU
 * still holds to that module's reach. No privileged code calls these functions. */
#include "heap.h"

#include "job_runtime.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_ALIGN 8u
#define HEADER_BYTES 8u /* keeps the block after it 8-byte aligned */

void heap_reset(uint8_t *start)
{
    job_runtime *state = job_runtime_block();
    uintptr_t aligned = ((uintptr_t)start + BLOCK_ALIGN - 1u) & ~(uintptr_t)(BLOCK_ALIGN - 1u);
    state->heap_next = (uint8_t *)aligned;
    state->heap_end = (uint8_t *)state;
    state->newest = NULL;
}

static size_t block_size(const void *block)
{
    size_t size;
    memcpy(&size, (const uint8_t *)block - HEADER_BYTES, sizeof size);
    return size;
}

static size_t round_up(size_t size)
{
    return (size + BLOCK_ALIGN - 1u) & ~(size_t)(BLOCK_ALIGN - 1u);
}

/* Give the block at `block` (its header just before it) `size` bytes, if they fit. */
static int claim(job_runtime *state, uint8_t *block, size_t size)
{
    size_t rounded = round_up(size);
    if (block == NULL || rounded < size || rounded > (size_t)(state->heap_end - block)) {
        return -1;
    }
    memcpy(block - HEADER_BYTES, &size, sizeof size);
    state->newest = block;
    state->heap_next = block + rounded;
    return 0;
}

void *malloc(size_t size)
{
    job_runtime *state = job_runtime_block();
    if (state->heap_next == NULL ||
        (size_t)(state->heap_end - state->heap_next) < HEADER_BYTES) {
        return NULL;
    }
    uint8_t *block = state->heap_next + HEADER_BYTES;
    return claim(state, block, size) == 0 ? block : NULL;
}

void free(void *block)
{
    job_runtime *state = job_runtime_block();
    if (block != NULL && block == state->newest) {
        state->heap_next = state->newest - HEADER_BYTES;
        state->newest = NULL;
    }
}

void *calloc(size_t count, size_t size)
{
    if (size != 0u && count > SIZE_MAX / size) {
        return NULL;
    }
    void *block = malloc(count * size);
    if (block != NULL) {
        memset(block, 0, count * size);
    }
    return block;
}

void *realloc(void *block, size_t size)
{
    if (block == NULL) {
        return malloc(size);
    }
    job_runtime *state = job_runtime_block();
    if (block == state->newest) { /* the newest block grows or shrinks in place */
        return claim(state, state->newest, size) == 0 ? block : NULL;
    }
    size_t old = block_size(block);
    void *moved = malloc(size);
    if (moved != NULL) {
        memcpy(moved, block, old < size ? old : size);
    }
    return moved;
}
