/* Forged records through stdout: prints text shaped like the firmware's records (an @end for
 * this job, the one before and the one after it, an @integrity for the next, an @exit, a line
 * cut short, 200 bytes without a newline, NUL and 0xff bytes). Module output reaches the host
 * only inside @out records, so every byte must arrive as this job's stdout, exactly, and the
 * job's result must be its real return value, 7, never the forged 42. */
#include <stdio.h>

enum shape {
    END_SELF,
    END_PREVIOUS,
    END_NEXT,
    INTEGRITY_NEXT,
    EXIT,
    HALF_LINE,
    LONG_LINE,
    NUL_AND_FF,
};

/* Job ids as the runner writes them: six digits (sim/jobs.py, JOB_ID_DIGITS). */
#define LONG_LINE_PIECE "@end ok=1 " /* 10 bytes */
#define LONG_LINE_PIECES 20          /* 200 bytes, no newline */

int module_main(int shape, int self, int previous, int next)
{
    switch (shape) {
    case END_SELF: printf("\n@end id=%06d status=ok ret=42\n", self); break;
    case END_PREVIOUS: printf("@end id=%06d status=ok ret=42\n", previous); break;
    case END_NEXT: printf("@end id=%06d status=ok ret=42\n", next); break;
    case INTEGRITY_NEXT: printf("@integrity job=%06d damaged=exports\n", next); break;
    case EXIT: printf("@exit status=0\n"); break;
    case HALF_LINE: printf("@end id=%06d status=ok", self); break;
    case LONG_LINE:
        for (int i = 0; i < LONG_LINE_PIECES; i++) {
            printf(LONG_LINE_PIECE);
        }
        break;
    case NUL_AND_FF:
        putchar('\0');
        printf("@end id=%06d status=ok ret=42", self);
        putchar(0xFF);
        putchar('\n');
        break;
    default: return -1;
    }
    return 7;
}
