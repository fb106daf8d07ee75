/* Application images: the vector table's checks and the bootloader's jump (app_image.h). */
#include "app_image.h"

#include <stddef.h>

#include "armv7m.h"
#include "job_call.h"
#include "job_outcome.h"

#define SYSTEM_EXCEPTIONS_FIRST 2u /* NMI; 0 and 1 are the SP and the reset handler */
#define STACK_ALIGN 8u             /* the AAPCS's stack alignment at a public interface */

const char *app_image_strerror(int status)
{
#define APP_STATUS_NAME(suffix, name, value) \
    if (status == (value)) {                 \
        return #name;                        \
    }
    APP_IMAGE_STATUSES(APP_STATUS_NAME)
#undef APP_STATUS_NAME
    return NULL;
}

int app_image_check(const loaded_module *module, app_image_start *start)
{
    if (ARCH_V6M) {
        return APP_E_NO_VTOR; /* the table would have to be at 0, which is flash */
    }
    const mod_header *h = &module->header;
    if (h->text_size < APP_VECTOR_BYTES) {
        return APP_E_TOO_SMALL;
    }
    uint32_t table = (uint32_t)(uintptr_t)module->base;
    if (table % APP_VTOR_ALIGN != 0u) {
        return APP_E_MISALIGNED;
    }
    const uint32_t *vectors = (const uint32_t *)(uintptr_t)table; /* aligned: checked */
    uint32_t ram = (uint32_t)(uintptr_t)module->data;
    uint32_t sp = vectors[0];
    /* A full-descending stack: its top may be the RAM's end, never its start. */
    if (sp % STACK_ALIGN != 0u || sp <= ram || sp - ram > h->data_size + h->bss_size) {
        return APP_E_BAD_SP;
    }
    uint32_t reset = vectors[1];
    uint32_t code = reset & ~1u;
    if ((reset & 1u) == 0u || code < table + APP_VECTOR_BYTES || code - table >= h->text_size) {
        return APP_E_BAD_RESET;
    }
    start->stack_top = sp;
    start->reset = reset;
    return LOADER_OK;
}

void app_image_keep_system_exceptions(const loaded_module *module)
{
    const uint32_t *own = (const uint32_t *)(uintptr_t)SCB_VTOR;
    uint32_t *vectors = (uint32_t *)(uintptr_t)module->base; /* checked: 128-aligned */
    for (uint32_t n = SYSTEM_EXCEPTIONS_FIRST; n < APP_VECTOR_WORDS; n++) {
        vectors[n] = own[n];
    }
    dsb();
}

static void set_vtor(uint32_t table)
{
    SCB_VTOR = table;
    dsb();
    isb();
}

int app_image_start_it(const loaded_module *module, const app_image_start *start,
                       int32_t *result)
{
    static const int32_t no_args[4] = {0, 0, 0, 0}; /* a reset handler takes nothing */
    uint32_t own_table = SCB_VTOR;
    set_vtor((uint32_t)(uintptr_t)module->base);
    job_call_status called = job_call_on_stack((job_fn)(uintptr_t)start->reset, no_args, 0,
                                               start->stack_top, result);
    set_vtor(own_table);
    return job_outcome_of_call(called);
}
