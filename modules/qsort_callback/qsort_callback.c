/* qsort_callback: the firmware's qsort calls back into comparators that live in the module
 * (their addresses are fixed up at load time, Thumb bit set). Sorts an int array descending
 * and an array of structs by key; the result depends on the final order. */
#include <stdint.h>
#include <stdlib.h>

struct item {
    int32_t key;
    char tag;
};

static int cmp_desc(const void *pa, const void *pb)
{
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    return (a < b) - (a > b);
}

static int cmp_key(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    return (a->key > b->key) - (a->key < b->key);
}

int module_main(void)
{
    int32_t v[10] = {42, -7, 19, 0, 1000, -25, 3, 88, 5, 64};
    struct item items[5] = {{30, 'c'}, {10, 'a'}, {50, 'e'}, {20, 'b'}, {40, 'd'}};
    int32_t sum = 0;
    int i;

    qsort(v, 10, sizeof v[0], cmp_desc);
    for (i = 0; i < 10; i++) {
        if (i > 0 && v[i - 1] < v[i])
            return -1;
        sum += v[i] * (i + 1);
    }
    qsort(items, 5, sizeof items[0], cmp_key);
    for (i = 0; i < 5; i++) {
        if (items[i].tag != 'a' + i)
            return -2;
        sum += items[i].key * (i + 1);
    }
    return sum;
}
