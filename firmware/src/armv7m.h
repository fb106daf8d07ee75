/* ARMv7-M system registers used by the firmware, named after CMSIS (core_cm3.h / core_cm4.h).
 * Only what this firmware touches; logic never uses raw addresses. */
#ifndef ARMV7M_H
#define ARMV7M_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))

/* System Control Block */
#define SCB_CPUID  REG32(0xE000ED00u)
#define SCB_ICSR   REG32(0xE000ED04u)
#define SCB_VTOR   REG32(0xE000ED08u)
#define SCB_AIRCR  REG32(0xE000ED0Cu)
#define SCB_CCR    REG32(0xE000ED14u)
#define SCB_SHCSR  REG32(0xE000ED24u)
#define SCB_CFSR   REG32(0xE000ED28u)
#define SCB_HFSR   REG32(0xE000ED2Cu)
#define SCB_MMFAR  REG32(0xE000ED34u)
#define SCB_BFAR   REG32(0xE000ED38u)
#define SCB_CPACR  REG32(0xE000ED88u)

#define SCB_ICSR_PENDSTCLR_Msk      (1u << 25)

#define SCB_CCR_UNALIGN_TRP_Msk     (1u << 3)
#define SCB_CCR_DIV_0_TRP_Msk       (1u << 4)
#define SCB_CCR_STKALIGN_Msk        (1u << 9)

#define SCB_SHCSR_USGFAULTPENDED_Msk (1u << 12)
#define SCB_SHCSR_MEMFAULTPENDED_Msk (1u << 13)
#define SCB_SHCSR_BUSFAULTPENDED_Msk (1u << 14)
#define SCB_SHCSR_MEMFAULTENA_Msk   (1u << 16)
#define SCB_SHCSR_BUSFAULTENA_Msk   (1u << 17)
#define SCB_SHCSR_USGFAULTENA_Msk   (1u << 18)

#define SCB_AIRCR_VECTKEY           (0x05FAu << 16)
#define SCB_AIRCR_SYSRESETREQ_Msk   (1u << 2)

/* CFSR = UFSR[31:16] | BFSR[15:8] | MMFSR[7:0] */
#define SCB_CFSR_IACCVIOL_Msk       (1u << 0)
#define SCB_CFSR_DACCVIOL_Msk       (1u << 1)
#define SCB_CFSR_MMARVALID_Msk      (1u << 7)
#define SCB_CFSR_MSTKERR_Msk        (1u << 4)
#define SCB_CFSR_BFARVALID_Msk      (1u << 15)
#define SCB_CFSR_STKERR_Msk         (1u << 12)

/* CPACR: full access to CP10 and CP11 (the FPU) */
#define SCB_CPACR_CP10_CP11_FULL    (0xFu << 20)

/* FPU context control (Cortex-M4F): LSPACT says lazy state preservation is pending */
#define FPU_FPCCR  REG32(0xE000EF34u)
#define FPU_FPCCR_LSPACT_Msk        (1u << 0)

/* Caches (ARMv7-M ARM B2.2, B3.2: the cache identification and maintenance registers; the
 * Cortex-M7 implements them, the Cortex-M3 and M4 have no cache and reserve the addresses) */
#define SCB_CCSIDR  REG32(0xE000ED80u)  /* geometry of the cache CSSELR selects */
#define SCB_CSSELR  REG32(0xE000ED84u)
#define SCB_ICIALLU REG32(0xE000EF50u)  /* invalidate the whole I-cache to PoU */
#define SCB_ICIMVAU REG32(0xE000EF58u)  /* invalidate the I-cache line holding an address */
#define SCB_DCISW   REG32(0xE000EF60u)  /* invalidate a D-cache line by set and way */
#define SCB_DCCMVAU REG32(0xE000EF64u)  /* clean the D-cache line holding an address to PoU */

#define SCB_CCR_DC_Msk              (1u << 16)
#define SCB_CCR_IC_Msk              (1u << 17)
#define SCB_CSSELR_L1_DATA          0u
#define SCB_CCSIDR_SETS(ccsidr)     ((((ccsidr) >> 13) & 0x7FFFu) + 1u)
#define SCB_CCSIDR_WAYS(ccsidr)     ((((ccsidr) >> 3) & 0x3FFu) + 1u)

/* Memory protection unit (PMSAv7) */
#define MPU_CTRL  REG32(0xE000ED94u)
#define MPU_RNR   REG32(0xE000ED98u)
#define MPU_RBAR  REG32(0xE000ED9Cu)
#define MPU_RASR  REG32(0xE000EDA0u)

#define MPU_CTRL_ENABLE_Msk         (1u << 0)
#define MPU_CTRL_PRIVDEFENA_Msk     (1u << 2)  /* default map for privileged accesses */
#define MPU_RASR_ENABLE_Msk         (1u << 0)
#define MPU_RASR_SIZE_Pos           1u
#define MPU_RASR_SRD_Pos            8u         /* subregion disable bits */
#define MPU_RASR_B_Msk              (1u << 16)
#define MPU_RASR_C_Msk              (1u << 17)
#define MPU_RASR_S_Msk              (1u << 18)
#define MPU_RASR_AP_NONE            (0u << 24)
#define MPU_RASR_AP_PRIV_RW         (1u << 24) /* unprivileged: no access */
#define MPU_RASR_AP_FULL            (3u << 24)
#define MPU_RASR_AP_READ_ONLY       (6u << 24) /* privileged and unprivileged */
#define MPU_RASR_XN_Msk             (1u << 28)

/* Memory protection unit (PMSAv8, ARMv8-M and ARMv8.1-M Mainline): regions are a base and a
 * limit at 32-byte granularity, attributes come from MAIR; same CTRL/RNR/RBAR addresses, and
 * RLAR where PMSAv7 has RASR. */
#define MPU_TYPE  REG32(0xE000ED90u)
#define MPU_RLAR  REG32(0xE000EDA0u)
#define MPU_MAIR0 REG32(0xE000EDC0u)

#define MPU_TYPE_DREGION_Pos        8u
#define MPU_TYPE_DREGION_Msk        (0xFFu << MPU_TYPE_DREGION_Pos)
#define MPU_PMSAV8_GRANULE          32u
#define MPU_RBAR_XN_Msk             (1u << 0)
#define MPU_RBAR_AP_PRIV_RW         (0u << 1)  /* unprivileged: no access */
#define MPU_RBAR_AP_FULL            (1u << 1)
#define MPU_RBAR_AP_PRIV_READ_ONLY  (2u << 1)  /* unprivileged: no access */
#define MPU_RBAR_AP_READ_ONLY       (3u << 1)  /* privileged and unprivileged */
#define MPU_RLAR_ENABLE_Msk         (1u << 0)
#define MPU_RLAR_ATTR_Pos           1u         /* AttrIndx: which MAIR byte */

/* SysTick */
#define SYSTICK_CTRL  REG32(0xE000E010u)
#define SYSTICK_LOAD  REG32(0xE000E014u)
#define SYSTICK_VAL   REG32(0xE000E018u)

#define SYSTICK_CTRL_ENABLE_Msk     (1u << 0)
#define SYSTICK_CTRL_TICKINT_Msk    (1u << 1)
#define SYSTICK_CTRL_CLKSOURCE_Msk  (1u << 2)   /* 1: processor clock */
#define SYSTICK_LOAD_MAX            0x00FFFFFFu

/* Debug: DEMCR enables the DWT; DWT_CYCCNT counts cycles where it is implemented */
#define COREDEBUG_DEMCR  REG32(0xE000EDFCu)
#define COREDEBUG_DEMCR_TRCENA_Msk  (1u << 24)
#define DWT_CTRL         REG32(0xE0001000u)
#define DWT_CYCCNT       REG32(0xE0001004u)
#define DWT_CTRL_CYCCNTENA_Msk      (1u << 0)

#define CONTROL_NPRIV_Msk           (1u << 0)  /* thread mode unprivileged */
#define CONTROL_SPSEL_Msk           (1u << 1)  /* thread mode on PSP */

/* Exception numbers (IPSR) */
enum {
    EXC_HARDFAULT = 3,
    EXC_MEMMANAGE = 4,
    EXC_BUSFAULT = 5,
    EXC_USAGEFAULT = 6,
};

/* ARMv6-M (Cortex-M0): Thumb-1 only (no IT, no Thumb-2 data processing, push/pop of r0-r7
 * and lr/pc only); HardFault is the one fault exception, with no CFSR/HFSR/MMFAR/BFAR, no
 * SHCSR fault enables and a fixed CCR; CONTROL.nPRIV does not exist (thread mode is always
 * privileged) and the parts here have no MPU. Code that differs tests ARCH_V6M. */
#if defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB == 1
#define ARCH_V6M 1
#else
#define ARCH_V6M 0
#endif

/* A Thumb function written in a top-level __asm__ block: ASM_FUNCTION_BEGIN opens its own section
 * (so --gc-sections drops it when nothing calls it) and its label; ASM_FUNCTION_ENTRY adds
 * another global entry inside the same section (the paths that share its literal pool). */
#define ASM_FUNCTION_ENTRY(name)           \
    "   .global " #name "\n"              \
    "   .type " #name ", %function\n"     \
    "   .thumb_func\n"                    \
    #name ":\n"
#define ASM_FUNCTION_BEGIN(name)                          \
    "   .syntax unified\n"                               \
    "   .thumb\n"                                        \
    "   .section .text." #name ", \"ax\", %progbits\n"   \
    ASM_FUNCTION_ENTRY(name)

/* The body of a naked exception handler that calls `uint32_t handler(void *frame, uint32_t
 * exc_return)` with the stacked frame (on MSP or PSP, as EXC_RETURN bit 2 says) and leaves with
 * the EXC_RETURN the handler returns (the same one, or another that resumes elsewhere). */
#if ARCH_V6M
#define EXCEPTION_ENTRY_ASM(handler) \
    "movs r0, #4\n"                \
    "mov r1, lr\n"                 \
    "tst r0, r1\n"                 \
    "bne 1f\n"                     \
    "mrs r0, msp\n"                \
    "b 2f\n"                       \
    "1: mrs r0, psp\n"             \
    "2: push {r4, lr}\n"           \
    "bl " #handler "\n"            \
    "add sp, #8\n"                 \
    "bx r0\n"
#else
#define EXCEPTION_ENTRY_ASM(handler) \
    "tst lr, #4\n"                 \
    "ite eq\n"                     \
    "mrseq r0, msp\n"              \
    "mrsne r0, psp\n"              \
    "mov r1, lr\n"                 \
    "push {r4, lr}\n"              \
    "bl " #handler "\n"            \
    "pop {r4, lr}\n"               \
    "bx r0\n"
#endif

static inline void dsb(void) { __asm__ volatile("dsb" ::: "memory"); }
static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }

static inline uint32_t read_ipsr(void)
{
    uint32_t v;
    __asm__ volatile("mrs %0, ipsr" : "=r"(v));
    return v;
}

#endif
