/* ARM semihosting (the "bkpt 0xAB" interface) as used by the reference firmware.
 * QEMU implements it with -semihosting-config enable=on,target=native. An operation that QEMU
 * does not implement aborts QEMU, so only the calls below are ever made. */
#ifndef SEMIHOST_H
#define SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* Write a NUL-terminated string to the semihosting console. */
void sh_write0(const char *text);

/* Fetch the command line given to QEMU (its "arg=" values joined by spaces).
 * Returns 0, or -1 if it does not fit in size bytes (NUL included). */
int sh_get_cmdline(char *buf, size_t size);

/* Open a host file for reading in binary mode. Returns a handle >= 0, or -1. */
int sh_open_read(const char *path);

/* Read up to len bytes. Returns the count read (0 at end of file), or -1 on error. */
int sh_read(int handle, void *buf, size_t len);

/* Move the file position to offset bytes from the start. Returns 0, or -1. */
int sh_seek(int handle, uint32_t offset);

/* Length of an open file in bytes, or -1. */
int sh_flen(int handle);

int sh_close(int handle);

/* End the simulation; QEMU exits with `status` (SYS_EXIT_EXTENDED, ADP_Stopped_ApplicationExit). */
__attribute__((noreturn)) void sh_exit(uint32_t status);

#endif
