/* A TEMS module whose constructor writes a forged @end for its own job into a console buffer
 * (the firmware's record line, or the job's own output buffer) and sets the buffer's length,
 * so the firmware's next record would carry it. Constructors get no arguments: the test passes
 * -DBUFFER=, -DLENGTH= (from the firmware ELF) and -DJOB_ID=; -DFIRST_LINE_ONLY=1 writes just
 * the forged @end line (it fits the 64-byte output buffer). The record line is firmware RAM:
 * the constructor must fault, contained. The output buffer is the module's own: the text must
 * arrive as its stdout and nothing else. */
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
    size_t length = sizeof forged - 1u;
#if defined(FIRST_LINE_ONLY)
    length = 0;
    while (forged[length++] != '\n') {
    }
#endif
    for (size_t i = 0; i < length; i++) {
        buffer[i] = forged[i];
    }
    *(volatile uint32_t *)(uintptr_t)(LENGTH) = (uint32_t)length;
}

int _start(void *info, int action)
{
    (void)info;
    return action == 0 ? 0 : 55;
}
