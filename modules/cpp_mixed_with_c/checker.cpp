// cpp_mixed_with_c, the C++ half: a class template that checksums messages with the C
// function fletcher16, and the byte transform the C code calls back (C linkage). Fletcher-16
// of "abcde" is 0xC8F0 (its published check value, with the identity transform); the module
// checks that first, so a broken C/C++ link shows as a wrong result. The final value is what
// the C and C++ compute (module.toml; tests/unit/test_cpp_host.py runs the same sources on the
// host and must get the same number).
#include <string.h>

#include "mixed.h"

static uint8_t xor_key;  // 0: the identity transform

extern "C" uint8_t transform_byte(uint8_t byte)
{
    c_calls++;
    return (uint8_t)(byte ^ xor_key);
}

template <uint16_t (*Checksum)(const uint8_t *, size_t)>
class Checker {
public:
    explicit Checker(uint8_t key) : key_(key) {}
    uint16_t of(const char *text) const
    {
        xor_key = key_;
        return Checksum(reinterpret_cast<const uint8_t *>(text), strlen(text));
    }

private:
    uint8_t key_;
};

extern "C" int module_main(int key)
{
    Checker<fletcher16> plain(0);
    if (plain.of("abcde") != 0xC8F0) {
        return -1;
    }
    Checker<fletcher16> keyed((uint8_t)key);
    return keyed.of("abcdef") * 100 + c_calls;
}
