/* Exercises a TEMS start-up error: _start(info, 0) answers 3 when its own start-up check fails
 * (here: the ModuleInfo version it was written for is 7, the loader's is the draft's 0). */
#include <stdint.h>

struct ModuleInfo {
    uint32_t version;
    uint32_t length;
};

int _start(struct ModuleInfo *info, int action)
{
    if (action == 0) {
        return info->version == 7 ? 0 : 3;
    }
    return -1;
}
