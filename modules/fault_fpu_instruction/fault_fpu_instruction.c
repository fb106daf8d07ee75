/* Exercises an FPU instruction in a module built without FPU code: it runs on the M4F, whose
 * firmware enabled the FPU, and is a UsageFault NOCP on the M3, which has no FPU. Encoded by
 * hand so the module's arch tag stays "no FPU" and the M3 loads it. */
#include <stdint.h>

int module_main(int float_bits)
{
    register int32_t bits __asm__("r0") = float_bits;
    __asm__ volatile(
        ".inst.w 0xee000a10\n" /* vmov s0, r0 */
        ".inst.w 0xee300a00\n" /* vadd.f32 s0, s0, s0 */
        ".inst.w 0xee100a10\n" /* vmov r0, s0 */
        : "+r"(bits)
        :
        : "memory");
    return bits;
}
