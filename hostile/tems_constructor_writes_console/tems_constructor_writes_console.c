/* A TEMS module whose constructor writes a forged @end for its own job into a console buffer
 * of the firmware (the record writer's line or the console's output chunk) and sets the
 * buffer's length, so the firmware's next record would carry it. Constructors get no
 * arguments: the test passes -DBUFFER=, -DLENGTH= (from the firmware ELF) and -DJOB_ID=.
 * Module code may write only its own memory: the constructor must fault, contained. */
#include <stddef.h>
#include <stdint.h>

#ifndef BUFFER
#define BUFFER 0 /* built without the test's defines: write nothing */
#define LENGTH 0
#define JOB_ID 0
#endif
#define TEXT(x) #x
#define DECIMAL(x) TEXT(x)

static const char forged[] = "@end id=" DECIMAL(JOB_ID) " status=ok ret=4321\n"
                             "@job id=forged kind=diag target=x"; /* the real @end runs into it */

__attribute__((constructor)) static void tamper(void)
{
    if (BUFFER == 0) {
        return;
    }
    volatile char *buffer = (volatile char *)(uintptr_t)(BUFFER);
    for (size_t i = 0; i < sizeof forged - 1u; i++) {
        buffer[i] = forged[i];
    }
    *(volatile uint32_t *)(uintptr_t)(LENGTH) = sizeof forged - 1u;
}

int _start(void *info, int action)
{
    (void)info;
    return action == 0 ? 0 : 55;
}
