/* Application images: a module file whose text starts with a vector table, started the way a
 * bootloader starts an application (PROTOCOL.md, "Application images"). The module format
 * carries it (../loader/FORMAT.md), so the loader reads, checks, places and relocates it like
 * any module; this part checks its vector table and makes the jump. */
#ifndef APP_IMAGE_H
#define APP_IMAGE_H

#include <stdint.h>

#include "loader.h"

/* The table's first 16 words: initial SP, reset handler, then the system exceptions 2-15. */
#define APP_VECTOR_WORDS 16u
#define APP_VECTOR_BYTES (APP_VECTOR_WORDS * 4u)
/* VTOR.TBLOFF starts at bit 7 on ARMv7-M and ARMv8-M: a table of up to 32 words must start on
 * a 128-byte boundary. */
#define APP_VTOR_ALIGN 128u

/* The checks' error names, as a rejected app job's @end record spells them; values below the
 * loader's (loader.h, LOADER_STATUSES), so one status says which it was. sim/jobs.py reads this
 * list. */
#define APP_IMAGE_STATUSES(X)                                                                   \
    X(E_NO_VTOR, app_no_vtor, -101)     /* the core has no VTOR (ARMv6-M: the Cortex-M0) */     \
    X(E_TOO_SMALL, app_too_small, -102) /* the text is shorter than the 16-word table */        \
    X(E_MISALIGNED, app_misaligned, -103) /* the table is not on a VTOR boundary */             \
    X(E_BAD_SP, app_bad_sp, -104)       /* initial SP not 8-aligned or outside the image's RAM */ \
    X(E_BAD_RESET, app_bad_reset, -105) /* reset handler not Thumb, or outside the code */

#define APP_STATUS_ENUMERATOR(suffix, name, value) APP_##suffix = (value),
typedef enum { APP_IMAGE_STATUSES(APP_STATUS_ENUMERATOR) } app_image_status;
#undef APP_STATUS_ENUMERATOR

/* The status's name for an app_image_status, NULL for any other value. */
const char *app_image_strerror(int status);

/* What the checks found: where the application starts. */
typedef struct {
    uint32_t stack_top;  /* the table's word 0 */
    uint32_t reset;      /* the table's word 1, Thumb bit set */
} app_image_start;

/* Check the vector table at the start of a loaded, linked module: LOADER_OK with *start filled,
 * or the app_image_status that refuses it. Only the module's own memory is trusted: the SP must
 * lie in its data and bss, the reset handler in its code past the table. */
int app_image_check(const loaded_module *module, app_image_start *start);

/* Point the table's system exceptions (2-15) at the firmware's own handlers, the ones VTOR
 * gives now: they are how the firmware contains the application (faults, the budget's SysTick,
 * the SVC it comes back with). Before the module's code is made executable. */
void app_image_keep_system_exceptions(const loaded_module *module);

/* The jump: VTOR set to the image's table, the reset handler called as contained, unprivileged
 * job code on the stack the table names; then VTOR back to the firmware's table, whatever
 * happened. Returns the job outcome (job_outcome.h); on 0 *result is the handler's r0. */
int app_image_start_it(const loaded_module *module, const app_image_start *start,
                       int32_t *result);

#endif
