/* SVC from module code with the immediate the test gives (0, and 2 to 255; 1, the console
 * flush, is svc_flush_hostile_registers), through a table of "svc #n; bx lr" entries
 * (svc_table.S). svc #0 is the firmware's own way back from job code, valid only from its
 * return path; no other immediate is a service: each must be a contained fault, ABI.SVC. */
#include <stdint.h>

#define SVC_TABLE_ENTRY_BYTES 4u
#define THUMB 1u

extern const uint8_t svc_table[];

int module_main(int immediate)
{
    if (immediate < 0 || immediate > 255) {
        return -1;
    }
    uintptr_t entry = (uintptr_t)svc_table + SVC_TABLE_ENTRY_BYTES * (unsigned)immediate;
    int (*call)(void) = (int (*)(void))(entry | THUMB);
    call();
    return 1000 + immediate; /* only reached when the SVC came back */
}
