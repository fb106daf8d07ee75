/* svc #1, the console flush, with hostile values in r0-r3 (pointers into the firmware's RAM,
 * huge lengths, -1): whatever the registers say, the firmware may flush only what this module
 * printed. It prints "abc" (held in the console buffer: no newline yet), flushes with the
 * test's registers, then prints "def\n": the job's stdout must be exactly "abcdef\n". */
#include <stdint.h>
#include <stdio.h>

#define SVC_CONSOLE_FLUSH "1"

int module_main(uint32_t r0_value, uint32_t r1_value, uint32_t r2_value, uint32_t r3_value)
{
    printf("abc");
    register uint32_t r0 __asm__("r0") = r0_value;
    register uint32_t r1 __asm__("r1") = r1_value;
    register uint32_t r2 __asm__("r2") = r2_value;
    register uint32_t r3 __asm__("r3") = r3_value;
    __asm__ volatile("svc #" SVC_CONSOLE_FLUSH
                     : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)
                     :
                     : "r12", "memory");
    printf("def\n");
    return 5;
}
