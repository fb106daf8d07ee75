/* missing_imports: calls two functions the firmware does not export. The loader must report
 * both names as unresolved and reject the module rather than run it with empty import slots. */
#include <stdio.h>

extern int firmware_lacks_this(int);
extern void nor_this_one(void);

int module_main(int a)
{
    printf("should not run\n");
    nor_this_one();
    return firmware_lacks_this(a);
}
