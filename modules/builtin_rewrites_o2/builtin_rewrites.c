/* Exercises the calls gcc writes in place of the ones in the source at -O2: strcpy whose end
 * is used becomes stpcpy, printf of a plain line becomes puts, printf("%c") becomes putchar.
 * The module may only import what the firmware exports, so each rewrite must land on an
 * export too. */
#include <stdio.h>
#include <string.h>

static const char *const words[] = {"alpha", "beta", "gamma"};

int module_main(int first, int second)
{
    char buffer[32];
    strcpy(buffer, words[first]);
    size_t end = strlen(buffer);            /* with the strcpy above: stpcpy at -O2 */
    strcpy(buffer + end, words[second]);
    printf("joined\n");                     /* puts("joined") */
    printf("%c", buffer[0]);                /* putchar('b') */
    printf("%s\n", buffer);                 /* puts(buffer) */
    return (int)strlen(buffer) * 100 + (int)end;
}
