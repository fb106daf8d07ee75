/* svc #1 with the stack pointer moved into the firmware's RAM: the core pushes the exception
 * frame where sp points, with this code's (unprivileged) permissions, so the push itself must
 * fault and be contained; the firmware must never write the frame there for it. */
#include <stdint.h>

int module_main(uint32_t hostile_sp)
{
    __asm__ volatile("mov r12, sp\n"
                     "mov sp, %0\n"
                     "svc #1\n"
                     "mov sp, r12\n"
                     :
                     : "r"(hostile_sp)
                     : "r12", "memory");
    return 1; /* only reached when the frame went where sp pointed */
}
