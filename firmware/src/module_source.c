#include "module_source.h"

#include "semihost.h"

/* Reads are sequential in practice (header, image, tables), so seek only when asked to jump. */
static int semihost_source_read(loader_source *self, uint32_t offset, void *dst, uint32_t len)
{
    semihost_source *source = (semihost_source *)self;
    if (len == 0u) {
        return 0; /* most modules have no data: no host round trip for nothing */
    }
    if (offset != source->position) {
        if (sh_seek(source->handle, offset) != 0) {
            return -1;
        }
        source->position = offset;
    }
    int got = sh_read(source->handle, dst, len);
    if (got < 0 || (uint32_t)got != len) {
        return -1; /* a short read is an error, never a silent truncation */
    }
    source->position += len;
    return 0;
}

int semihost_source_open(semihost_source *source, const char *path)
{
    source->handle = sh_open_read(path);
    if (source->handle < 0) {
        return -1;
    }
    int size = sh_flen(source->handle);
    if (size < 0) {
        semihost_source_close(source);
        return -1;
    }
    source->base.read = semihost_source_read;
    source->base.size = (uint32_t)size;
    source->position = 0;
    return 0;
}

void semihost_source_close(semihost_source *source)
{
    if (source->handle >= 0) {
        sh_close(source->handle);
        source->handle = -1;
    }
}
