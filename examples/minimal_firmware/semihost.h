/* The ARM semihosting calls the minimal firmware makes (all of them, QEMU aborts on a call it
 * does not implement): firmware/src/PROTOCOL.md, "Semihosting calls used". */
#ifndef SEMIHOST_H
#define SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

void sh_write0(const char *text);
int sh_get_cmdline(char *buf, size_t size);   /* 0, or -1 */
int sh_open_read(const char *path);           /* a handle >= 0, or -1 */
int sh_read(int handle, void *buf, size_t len); /* bytes read (0 at the end), or -1 */
int sh_seek(int handle, uint32_t offset);     /* 0, or -1 */
int sh_flen(int handle);                      /* the file's length, or -1 */
void sh_close(int handle);
__attribute__((noreturn)) void sh_exit(uint32_t status);

#endif
