/* Exercises the TEMS draft's protocol: the module imports nothing; at _start(info, 0) it finds
 * printf and strlen by name in the ModuleInfo table the loader built, and _start(info, 1) is
 * the run. */
#include <stddef.h>
#include <stdint.h>

struct ModuleInfo {
    uint32_t version;
    uint32_t length;
    struct {
        const char *name;
        uintptr_t addr;
    } sym[];
};

enum { ACTION_START = 0, ACTION_RUN = 1, SYMBOL_ERROR = 1, STARTUP_ERROR = 3 };

static int (*print)(const char *format, ...);
static size_t (*length_of)(const char *text);

static int same(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static uintptr_t find(const struct ModuleInfo *info, const char *name)
{
    for (uint32_t i = 0; i < info->length; i++) {
        if (same(info->sym[i].name, name)) {
            return info->sym[i].addr;
        }
    }
    return 0;
}

int _start(struct ModuleInfo *info, int action)
{
    if (action == ACTION_START) {
        if (info->version != 0) {
            return STARTUP_ERROR;
        }
        print = (int (*)(const char *, ...))find(info, "printf");
        length_of = (size_t (*)(const char *))find(info, "strlen");
        return print != NULL && length_of != NULL ? 0 : SYMBOL_ERROR;
    }
    print("tems: %s\n", "running");
    return (int)length_of("module system") * 100 + action;
}
