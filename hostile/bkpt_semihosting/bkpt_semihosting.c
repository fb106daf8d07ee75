/* Semihosting from module code: "bkpt 0xab" with r0 = the operation (SYS_OPEN of a file for
 * writing in QEMU's working directory, SYS_WRITE0 to the host console, SYS_EXIT) and r1 its
 * parameter. QEMU runs without userspace semihosting, so from unprivileged code this is a
 * plain breakpoint that must not reach the host: a contained fault, no file, no console text,
 * no exit. */
#include <stdint.h>

#define SYS_OPEN 0x01u
#define SYS_WRITE0 0x04u
#define SYS_EXIT 0x18u
#define OPEN_MODE_WRITE 4u                      /* fopen's "w" */
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static const char file_name[] = "hostile_was_here.txt";
static const char console_text[] = "a module wrote to the host console\n";

int module_main(uint32_t operation)
{
    uint32_t open_block[3] = {(uint32_t)(uintptr_t)file_name, OPEN_MODE_WRITE,
                              sizeof file_name - 1u};
    uint32_t parameter = operation == SYS_OPEN     ? (uint32_t)(uintptr_t)open_block
                         : operation == SYS_WRITE0 ? (uint32_t)(uintptr_t)console_text
                                                   : ADP_STOPPED_APPLICATION_EXIT;
    register uint32_t r0 __asm__("r0") = operation;
    register uint32_t r1 __asm__("r1") = parameter;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return 1; /* only reached when the breakpoint came back */
}
