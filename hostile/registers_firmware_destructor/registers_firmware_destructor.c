/* Registers a firmware function as a global destructor (the C++ run time's __cxa_atexit, which
 * any module may call), so the firmware's unload calls it. The unload calls every destructor as
 * unprivileged module code: privileged firmware code reached that way runs without privilege,
 * and its first access to a system register is a contained fault of this job. */
#include <stdint.h>

int __cxa_atexit(void (*destructor)(void *), void *object, void *dso);

int module_main(uint32_t function, uint32_t argument)
{
    __cxa_atexit((void (*)(void *))function, (void *)argument, 0);
    return 1;
}
