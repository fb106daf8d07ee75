/* ARM semihosting: "bkpt 0xAB" with the operation in r0 and its argument block in r1.
 * Reference: ARM "Semihosting for AArch32 and AArch64". */
#include "semihost.h"

#include <string.h>

enum {
    SYS_OPEN = 0x01,
    SYS_CLOSE = 0x02,
    SYS_WRITE0 = 0x04,
    SYS_READ = 0x06,
    SYS_SEEK = 0x0A,
    SYS_FLEN = 0x0C,
    SYS_GET_CMDLINE = 0x15,
    SYS_EXIT_EXTENDED = 0x20,
};

#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define OPEN_MODE_RB 1u /* "rb" in the semihosting fopen mode table */

static int32_t semihost_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

void sh_write0(const char *text)
{
    semihost_call(SYS_WRITE0, text);
}

int sh_get_cmdline(char *buf, size_t size)
{
    uint32_t block[2] = {(uint32_t)buf, (uint32_t)size};
    return semihost_call(SYS_GET_CMDLINE, block) == 0 ? 0 : -1;
}

int sh_open_read(const char *path)
{
    uint32_t block[3] = {(uint32_t)path, OPEN_MODE_RB, (uint32_t)strlen(path)};
    return semihost_call(SYS_OPEN, block);
}

int sh_read(int handle, void *buf, size_t len)
{
    uint32_t block[3] = {(uint32_t)handle, (uint32_t)buf, (uint32_t)len};
    int32_t not_read = semihost_call(SYS_READ, block); /* the bytes it could not read */
    if (not_read < 0 || (uint32_t)not_read > len) {
        return -1;
    }
    return (int)(len - (uint32_t)not_read);
}

int sh_seek(int handle, uint32_t offset)
{
    uint32_t block[2] = {(uint32_t)handle, offset};
    return semihost_call(SYS_SEEK, block) == 0 ? 0 : -1;
}

int sh_flen(int handle)
{
    uint32_t block[1] = {(uint32_t)handle};
    return semihost_call(SYS_FLEN, block);
}

void sh_close(int handle)
{
    uint32_t block[1] = {(uint32_t)handle};
    semihost_call(SYS_CLOSE, block);
}

void sh_exit(uint32_t status)
{
    uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, status};
    for (;;) {
        semihost_call(SYS_EXIT_EXTENDED, block);
    }
}
