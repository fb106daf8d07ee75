/* Benchmark: 256 absolute pointers in .data, so 256 ABS32 fix-ups at link. With
 * bench_imports and a module without either, its link phase gives the cost per fix-up. */
#include <stdint.h>

static const char text[256] = {1};

static const char *table[256] = {
    text + 0, text + 1, text + 2, text + 3, text + 4, text + 5, text + 6, text + 7,
    text + 8, text + 9, text + 10, text + 11, text + 12, text + 13, text + 14, text + 15,
    text + 16, text + 17, text + 18, text + 19, text + 20, text + 21, text + 22, text + 23,
    text + 24, text + 25, text + 26, text + 27, text + 28, text + 29, text + 30, text + 31,
    text + 32, text + 33, text + 34, text + 35, text + 36, text + 37, text + 38, text + 39,
    text + 40, text + 41, text + 42, text + 43, text + 44, text + 45, text + 46, text + 47,
    text + 48, text + 49, text + 50, text + 51, text + 52, text + 53, text + 54, text + 55,
    text + 56, text + 57, text + 58, text + 59, text + 60, text + 61, text + 62, text + 63,
    text + 64, text + 65, text + 66, text + 67, text + 68, text + 69, text + 70, text + 71,
    text + 72, text + 73, text + 74, text + 75, text + 76, text + 77, text + 78, text + 79,
    text + 80, text + 81, text + 82, text + 83, text + 84, text + 85, text + 86, text + 87,
    text + 88, text + 89, text + 90, text + 91, text + 92, text + 93, text + 94, text + 95,
    text + 96, text + 97, text + 98, text + 99, text + 100, text + 101, text + 102, text + 103,
    text + 104, text + 105, text + 106, text + 107, text + 108, text + 109, text + 110, text + 111,
    text + 112, text + 113, text + 114, text + 115, text + 116, text + 117, text + 118, text + 119,
    text + 120, text + 121, text + 122, text + 123, text + 124, text + 125, text + 126, text + 127,
    text + 128, text + 129, text + 130, text + 131, text + 132, text + 133, text + 134, text + 135,
    text + 136, text + 137, text + 138, text + 139, text + 140, text + 141, text + 142, text + 143,
    text + 144, text + 145, text + 146, text + 147, text + 148, text + 149, text + 150, text + 151,
    text + 152, text + 153, text + 154, text + 155, text + 156, text + 157, text + 158, text + 159,
    text + 160, text + 161, text + 162, text + 163, text + 164, text + 165, text + 166, text + 167,
    text + 168, text + 169, text + 170, text + 171, text + 172, text + 173, text + 174, text + 175,
    text + 176, text + 177, text + 178, text + 179, text + 180, text + 181, text + 182, text + 183,
    text + 184, text + 185, text + 186, text + 187, text + 188, text + 189, text + 190, text + 191,
    text + 192, text + 193, text + 194, text + 195, text + 196, text + 197, text + 198, text + 199,
    text + 200, text + 201, text + 202, text + 203, text + 204, text + 205, text + 206, text + 207,
    text + 208, text + 209, text + 210, text + 211, text + 212, text + 213, text + 214, text + 215,
    text + 216, text + 217, text + 218, text + 219, text + 220, text + 221, text + 222, text + 223,
    text + 224, text + 225, text + 226, text + 227, text + 228, text + 229, text + 230, text + 231,
    text + 232, text + 233, text + 234, text + 235, text + 236, text + 237, text + 238, text + 239,
    text + 240, text + 241, text + 242, text + 243, text + 244, text + 245, text + 246, text + 247,
    text + 248, text + 249, text + 250, text + 251, text + 252, text + 253, text + 254, text + 255,
};

int module_main(void)
{
    uint32_t sum = 0;
    for (int i = 0; i < 256; i++) {
        sum += (uint32_t)(table[i] - text);
    }
    return (int)sum;
}
