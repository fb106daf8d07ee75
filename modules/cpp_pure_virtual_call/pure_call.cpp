// cpp_pure_virtual_call: a virtual call made while an abstract base is being constructed
// reaches the pure function's vtable slot, which g++ fills with __cxa_pure_virtual. The
// firmware's __cxa_pure_virtual traps (udf), so the call is a contained fault of the job
// (UsageFault.UNDEFINSTR, located in __cxa_pure_virtual) instead of a jump to nowhere.
#include <stdio.h>

class Sensor {
public:
    Sensor() { calibrate(); }
    virtual ~Sensor() {}
    virtual int read() const = 0;

protected:
    // Not inlined, so g++ cannot see which vtable is in place and must call through it.
    __attribute__((noinline)) void calibrate()
    {
        puts("calibrating");
        offset_ = read();  // in Sensor's constructor the object is still a Sensor: pure call
        puts("not reached");
    }

    int offset_ = 0;
};

class Thermometer : public Sensor {
public:
    int read() const override { return 21 + offset_; }
};

extern "C" int module_main(void)
{
    Thermometer thermometer;
    return thermometer.read();
}
