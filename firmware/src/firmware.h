/* Reference firmware: things shared by its parts (not used by the loader library). */
#ifndef FIRMWARE_H
#define FIRMWARE_H

/* QEMU's exit status for a boot, set through SYS_EXIT_EXTENDED. PROTOCOL.md lists them too. */
enum firmware_exit_status {
    FW_EXIT_COMPLETED = 0,   /* every job in the list ran to an @end record */
    FW_EXIT_BAD_JOBLIST = 2, /* no job list, unreadable, or a line the firmware cannot parse */
    FW_EXIT_FAULT = 3,       /* a fault in the firmware's own code (an @fault record with job=-) */
    FW_EXIT_CORRUPTED = 4,   /* the firmware's state was damaged by a job (an @integrity record) */
    FW_EXIT_RESET_LOOP = 5,  /* resets that did not move the job list on, or a reset record that
                              * does not fit the job list (an @error in=resume record) */
};

#define FIRMWARE_VERSION "0.1.0"

#endif
