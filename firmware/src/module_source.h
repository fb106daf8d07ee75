/* A loader_source that reads a module file from the host over semihosting. */
#ifndef MODULE_SOURCE_H
#define MODULE_SOURCE_H

#include <stdint.h>

#include "loader.h"

typedef struct {
    loader_source base; /* first, so a loader_source pointer is a semihost_source pointer */
    int handle;
    uint32_t position;
} semihost_source;

/* Open path on the host. Returns 0, or -1 if it cannot be opened or sized. */
int semihost_source_open(semihost_source *source, const char *path);
void semihost_source_close(semihost_source *source);

#endif
