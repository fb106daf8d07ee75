/* A resident library that itself depends on one: frames a payload as 0x7E, length, payload,
 * then the Fletcher-16 of the payload from lib_checksum (resolved against that resident
 * module, not the firmware). It exports frame with MODULE_EXPORT (lib_checksum lists its
 * exports in module.toml instead). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <module_export.h>

uint16_t fletcher16(const uint8_t *data, size_t length); /* lib_checksum */

size_t frame(uint8_t *out, const uint8_t *payload, size_t length)
{
    uint16_t check = fletcher16(payload, length);
    out[0] = 0x7E;
    out[1] = (uint8_t)length;
    memcpy(out + 2, payload, length);
    out[2 + length] = (uint8_t)(check >> 8);
    out[3 + length] = (uint8_t)check;
    return length + 4;
}
MODULE_EXPORT(frame);

int module_main(void)
{
    static const uint8_t abcde[] = {'a', 'b', 'c', 'd', 'e'};
    uint8_t buffer[16];
    size_t length = frame(buffer, abcde, sizeof abcde);
    return (int)length * 100000 + (buffer[7] << 8 | buffer[8]);
}
