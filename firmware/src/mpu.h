/* The memory protection policy (PMSAv7, Cortex-M3/M4). Module code runs unprivileged
 * (job_call.h), so for it only these regions exist; the firmware runs privileged and also has
 * the default memory map (PRIVDEFENA) for peripherals and system space:
 *   0  all SRAM              privileged read/write only, execute-never
 *   1  flash (a window)      read-only for both, executable: the firmware code modules call
 *   2  the module arena      read/write, execute-never: module data, bss, heap, and the job's
 *                            runtime block (job_runtime.h: heap and console state)
 *   3  the module arena      read/write and executable, only in the subregions holding the
 *                            running job's module code
 *   4  the job stack         read/write, execute-never
 *   5  the 32 bytes below the job stack: no access, so an overflow faults
 * A later region wins where they overlap. Job code can therefore read and write only the
 * arena (its own modules, its heap) and its stack, execute only its own code and the
 * firmware's, and touch no firmware RAM, peripheral or system register. The firmware clears
 * the arena and the job stack before every job, so nothing one job left there reaches the
 * next. */
#ifndef MPU_H
#define MPU_H

#include <stdint.h>

void mpu_init(void);

/* The arena's subregion size: module code and data each start on such a boundary. */
uint32_t mpu_segment_bytes(void);

/* Make [start, start + bytes) of the arena executable (whole subregions). */
void mpu_allow_code(const uint8_t *start, uint32_t bytes);

/* No code in the arena is executable (between jobs). */
void mpu_forbid_code(void);

/* Bytes just below the job stack (and so below RAM) that no code may touch: an overflow is a
 * MemManage fault even on a machine that reads unmapped memory as 0. Below the stack rather
 * than inside it because QEMU checks every access one by one in a 1 KiB page that an MPU region
 * boundary splits: a guard inside the stack's page made a loop on a small stack 4x slower. */
#define MPU_STACK_GUARD_BYTES 32u

/* The flash window modules may read and execute: the board file's flash region (sim/build.py
 * passes its origin and length as BOARD_FLASH_ORIGIN and BOARD_FLASH_BYTES) rounded out to one
 * PMSAv7 region, a power of two aligned to its size, of at least this many bytes. The floor
 * keeps a small flash's window wider than the flash (2 MiB from 0x08000000 on both STM32
 * boards), so a read just past the end of flash is a bus error naming the address, not a
 * protection fault. Where flash fills its window (MPS2: 4 MiB of SSRAM1 at 0) a read past it
 * is a MemManage fault. */
#define MPU_FLASH_WINDOW_MIN_BYTES 0x200000u

#endif
