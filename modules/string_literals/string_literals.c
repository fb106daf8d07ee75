/* string_literals: string literals in .rodata reached through a table of pointers (each an
 * absolute fix-up) and through literal-pool addresses, passed to the firmware's string
 * functions. Indices depend on the argument so the calls are not folded at compile time. */
#include <stdio.h>
#include <string.h>

static const char *const words[] = {"alpha", "beta", "gamma", "delta"};

int module_main(int rot)
{
    char buf[16];
    const char *w;
    const char *t;
    int sum = 0;
    int i;

    for (i = 0; i < 4; i++) {
        w = words[(i + rot) & 3];
        sum = sum * 7 + (int)strlen(w) * (w[0] - 'a' + 1);
    }
    w = words[(rot + 1) & 3];                   /* "gamma" with rot = 1 */
    if (strcmp(w, "gamma") != 0)
        return -1;
    if (strncmp("alphabet", words[rot - 1], 5) != 0)
        return -2;
    t = strchr(words[(rot + 2) & 3], 't');      /* "delta" */
    if (t == NULL || t - words[(rot + 2) & 3] != 3)
        return -3;
    strcpy(buf, words[rot]);                    /* "beta" */
    if (strcmp(buf, "beta") != 0 || strlen(buf) != 4)
        return -4;
    printf("%s %s %s\n", buf, w, t);
    return sum;
}
