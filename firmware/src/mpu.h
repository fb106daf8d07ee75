/* The memory protection policy. Module code runs unprivileged (job_call.h), so for it only the
 * regions below exist; the firmware runs privileged and also has the default memory map
 * (PRIVDEFENA) for peripherals and system space. Two implementations of one policy:
 *
 * PMSAv7 (ARMv7-M: Cortex-M3/M4/M7; mpu.c): regions of 2^n bytes with 8 subregions.
 *   0  all SRAM              privileged read/write only, execute-never
 *   1  flash (a window)      read-only for both, executable: the firmware code modules call
 *   2  the module arena      read/write, execute-never: module data, bss, heap, and the job's
 *                            runtime block (job_runtime.h: heap and console state)
 *   3  the module arena      read/write and executable, only in the subregions holding the
 *                            running job's module code (read-only for an application image)
 *   4  the job stack         read/write, execute-never
 *   5  the 32 bytes below the job stack: no access, so an overflow faults
 *   A later region wins where they overlap.
 *
 * PMSAv8 (ARMv8-M and ARMv8.1-M Mainline: Cortex-M33/M55; mpu_pmsav8.c): a base and a limit
 * at 32-byte granularity, no subregions, and regions must not overlap (an access two regions
 * match is a fault), so each of the job's modules gets regions of its own bytes:
 *   0  flash                 the board's flash exactly: read-only for both, executable
 *   1  the job stack         read/write, execute-never
 *   2  the 32 bytes below the job stack: privileged read-only, so any write there faults
 *   3  the free arena        read/write, execute-never: heap and the job's runtime block
 *   4+ per module of the job its code, to the next 32 bytes (read/write, executable;
 *                            read-only for an application image), and
 *                            the rest of its block: data, bss, the loader's tables and the
 *                            padding to the block's end (read/write, execute-never;
 *                            module_jobs.c says why blocks end on 1 KiB)
 *   Unprivileged code matching no region faults: the firmware's RAM, the arena outside the
 *   job's modules and heap, and the padding between a module's code and its data.
 *
 * Either way job code can read and write only its modules' data, its heap and its stack,
 * execute only its own code and the firmware's, and touch no firmware RAM, peripheral or
 * system register. The firmware clears the arena and the job stack before every job, so
 * nothing one job left there reaches the next. */
#ifndef MPU_H
#define MPU_H

#include <stdint.h>

#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
#define MPU_PMSAV8 1
#else
#define MPU_PMSAV8 0
#endif

void mpu_init(void);

/* Module code starts on such a boundary of the arena (and its data on the next one): an
 * arena subregion on PMSAv7, the 32-byte granule on PMSAv8. */
uint32_t mpu_segment_bytes(void);

/* While the job runs, its code may execute [code, code + code_bytes) and read and write
 * [data, data + data_bytes): one call per module of the job, after it was loaded. Its code is
 * writable too, except with MPU_CODE_READ_ONLY: an application image's, whose vector table
 * VTOR points at while it runs (app_image.h), where a write would give it the firmware's
 * handler mode. */
typedef enum { MPU_CODE_WRITABLE = 0, MPU_CODE_READ_ONLY = 1 } mpu_code_access;
void mpu_allow_module(const uint8_t *code, uint32_t code_bytes, const uint8_t *data,
                      uint32_t data_bytes, mpu_code_access access);

/* While the job runs, its code may read and write the arena from `from` (the top after its
 * modules) to the arena's end. Returns the first byte it may use: `from`, rounded up to the
 * MPU's granule where regions cannot overlap. */
uint8_t *mpu_allow_free_arena(uint8_t *from);

/* No job code may run in the arena, nor use it (between jobs). */
void mpu_forbid_code(void);

/* Bytes just below the job stack (and so below RAM) that no code may touch: an overflow is a
 * MemManage fault even on a machine that reads unmapped memory as 0. Below the stack rather
 * than inside it because QEMU checks every access one by one in a 1 KiB page that an MPU region
 * boundary splits: a guard inside the stack's page made a loop on a small stack 4x slower. */
#define MPU_STACK_GUARD_BYTES 32u

/* The flash window modules may read and execute under PMSAv7, BOARD_MPU_FLASH_WINDOW_BASE and
 * _BYTES in board_config.h: the board file's flash rounded out to one PMSAv7 region, a power
 * of two aligned to its size, of at least 2 MiB (sim/boards.py, Board.mpu_flash_window, works
 * it out: the host judges expectations by the same window). The floor keeps a small flash's
 * window wider than the flash (2 MiB from 0x08000000 on both STM32 boards), so a read just past
 * the end of flash is a bus error naming the address, not a protection fault. Where flash
 * fills its window (MPS2: 4 MiB of SSRAM1 at 0) a read past it is a MemManage fault. A PMSAv8
 * region is the board's flash exactly. */

#endif
