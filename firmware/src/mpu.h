/* The memory protection policy (PMSAv7, Cortex-M3/M4):
 *   region 0  all SRAM: read/write, execute-never (the firmware's RAM, module data and heap)
 *   region 1  the module arena: read/write and executable, but only in the subregions that
 *             hold the running job's module code; the rest fall through to region 0
 *   region 2  the bottom 32 bytes of the job stack: no access, so an overflow faults
 * Everything else follows the default memory map for privileged code (PRIVDEFENA): flash is
 * executable; peripheral, device and System space are execute-never. */
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

/* Bytes at the bottom of the job stack that no code may touch. */
#define MPU_STACK_GUARD_BYTES 32u

#endif
