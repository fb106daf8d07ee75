/* A bump allocator with a size word before each block. free() gives memory back only when it
 * frees the newest block (which covers malloc/free pairs and realloc growth); a job's heap is
 * discarded whole at the next heap_reset. Blocks are 8-byte aligned, as AAPCS wants. */
#include "heap.h"

#include "armv7m.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_ALIGN 8u
#define HEADER_BYTES 8u /* keeps the block after it 8-byte aligned */

/* MODULE_SHARED: malloc and friends run in the calling module's unprivileged context. The
 * heap itself is in the module arena; heap_reset puts these back for every job. */
static MODULE_SHARED uint8_t *heap_next;
static MODULE_SHARED uint8_t *heap_end;
static MODULE_SHARED uint8_t *newest; /* the newest block, or NULL */

void heap_reset(uint8_t *start, uint8_t *end)
{
    uintptr_t aligned = ((uintptr_t)start + BLOCK_ALIGN - 1u) & ~(uintptr_t)(BLOCK_ALIGN - 1u);
    heap_next = (uint8_t *)aligned;
    heap_end = end;
    newest = NULL;
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
static int claim(uint8_t *block, size_t size)
{
    size_t rounded = round_up(size);
    if (block == NULL || rounded < size || rounded > (size_t)(heap_end - block)) {
        return -1;
    }
    memcpy(block - HEADER_BYTES, &size, sizeof size);
    newest = block;
    heap_next = block + rounded;
    return 0;
}

void *malloc(size_t size)
{
    if (heap_next == NULL || (size_t)(heap_end - heap_next) < HEADER_BYTES) {
        return NULL;
    }
    uint8_t *block = heap_next + HEADER_BYTES;
    return claim(block, size) == 0 ? block : NULL;
}

void free(void *block)
{
    if (block != NULL && block == newest) {
        heap_next = newest - HEADER_BYTES;
        newest = NULL;
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
    if (block == newest) { /* the newest block grows or shrinks in place */
        return claim(newest, size) == 0 ? block : NULL;
    }
    size_t old = block_size(block);
    void *moved = malloc(size);
    if (moved != NULL) {
        memcpy(moved, block, old < size ? old : size);
    }
    return moved;
}
