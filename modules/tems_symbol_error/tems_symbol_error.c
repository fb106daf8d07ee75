/* Exercises a TEMS symbol error: _start(info, 0) cannot find a function it needs in ModuleInfo
 * and answers 1, which the loader reports as unresolved without ever running action 1. */
#include <stdint.h>

struct ModuleInfo {
    uint32_t version;
    uint32_t length;
    struct {
        const char *name;
        uintptr_t addr;
    } sym[];
};

static int same(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

int _start(struct ModuleInfo *info, int action)
{
    if (action != 0) {
        return -1; /* never reached: the loader stops after the symbol error */
    }
    for (uint32_t i = 0; i < info->length; i++) {
        if (same(info->sym[i].name, "firmware_has_no_such_function")) {
            return 0;
        }
    }
    return 1;
}
