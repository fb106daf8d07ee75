/* Exercises resident libraries: depends on lib_framing, which depends on lib_checksum, so the
 * job loads lib_checksum, then lib_framing, then this module, and this module's imports
 * resolve against both. The check count proves there is one shared copy of lib_checksum. */
#include <stddef.h>
#include <stdint.h>

size_t frame(uint8_t *out, const uint8_t *payload, size_t length);  /* lib_framing */
uint16_t fletcher16(const uint8_t *data, size_t length);            /* lib_checksum */
uint32_t checksum_call_count(void);                                 /* lib_checksum */

int module_main(void)
{
    static const uint8_t payload[] = {'r', 'e', 's', 'i', 'd', 'e', 'n', 't'};
    uint8_t buffer[16];
    size_t length = frame(buffer, payload, sizeof payload);
    uint16_t again = fletcher16(buffer + 2, sizeof payload);
    if (again != (buffer[10] << 8 | buffer[11])) {
        return -1;
    }
    return (int)(checksum_call_count() * 1000000u + length * 100000u + again);
}
