/* The C++ run-time support that code built with g++ calls (README.md, "C++ modules"):
 * operator new and delete on the job's heap, the traps for a pure or deleted virtual call, and
 * the registration of global destructors, which the firmware runs at unload in reverse order
 * (module_jobs.c). Everything here runs unprivileged in the calling module's context; the
 * destructor list is module memory (the job's runtime block, job_runtime.h) and nothing
 * privileged trusts it. The names are the Itanium C++ ABI's mangled ones for a 32-bit size_t
 * (`_Znwj` is operator new(unsigned int)), given as asm labels so this stays C. */
#include <stddef.h>
#include <stdlib.h>

#include "job_runtime.h"

void *cxx_new(size_t size) __asm__("_Znwj");
void *cxx_new_array(size_t size) __asm__("_Znaj");
void cxx_delete(void *block) __asm__("_ZdlPv");
void cxx_delete_array(void *block) __asm__("_ZdaPv");
void cxx_delete_sized(void *block, size_t size) __asm__("_ZdlPvj");
void cxx_delete_array_sized(void *block, size_t size) __asm__("_ZdaPvj");
void __cxa_pure_virtual(void);
void __cxa_deleted_virtual(void);
int __aeabi_atexit(void *object, void (*destructor)(void *), void *dso);
int __cxa_atexit(void (*destructor)(void *), void *object, void *dso);

/* A call that cannot go on: modules are built without exceptions, so there is nothing to throw.
 * udf makes it a contained fault of the job (UsageFault.UNDEFINSTR) located in the function
 * that gave up. Inline, so the fault's pc names that function rather than a shared helper. */
static inline __attribute__((always_inline, noreturn)) void give_up(void)
{
    __builtin_trap();
}

/* new never returns NULL (the language says it throws std::bad_alloc): an exhausted heap is a
 * fault at the new that asked. */
void *cxx_new(size_t size)
{
    void *block = malloc(size);
    if (block == NULL) {
        give_up();
    }
    return block;
}

void *cxx_new_array(size_t size) { return cxx_new(size); }
void cxx_delete(void *block) { free(block); }
void cxx_delete_array(void *block) { free(block); }
void cxx_delete_sized(void *block, size_t size) { (void)size; free(block); }
void cxx_delete_array_sized(void *block, size_t size) { (void)size; free(block); }

/* A virtual call through a vtable slot of a pure (or deleted) function: a call during the
 * construction or destruction of an abstract class. */
void __cxa_pure_virtual(void) { give_up(); }
void __cxa_deleted_virtual(void) { give_up(); }

/* Global destructors (ARM EABI: g++ registers each constructed global with its destructor).
 * One list per job: the job's modules unload together, newest registration first, so `dso`,
 * the registering module's handle, is not needed. A registration past the list's room is a
 * fault here rather than a destructor silently never run. */
int __aeabi_atexit(void *object, void (*destructor)(void *), void *dso)
{
    (void)dso;
    job_runtime *state = job_runtime_block();
    uint32_t count = state->destructor_count;
    if (count >= JOB_RUNTIME_MAX_DESTRUCTORS) {
        give_up();
    }
    state->destructors[count].fn = destructor;
    state->destructors[count].arg = object;
    state->destructor_count = count + 1u;
    return 0;
}

/* The generic C++ ABI's form, with the arguments in the other order. */
int __cxa_atexit(void (*destructor)(void *), void *object, void *dso)
{
    return __aeabi_atexit(object, destructor, dso);
}
