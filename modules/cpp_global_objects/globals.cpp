// cpp_global_objects: global objects with constructors and destructors. g++ constructs the
// globals of one file in the order they are defined (from .init_array, before the entry) and
// registers each destructor with __aeabi_atexit as it is constructed; the firmware runs the
// destructors at unload, newest first. A function-local static is constructed at its first
// use, in the entry, so it is registered last and destroyed first. Every step prints, so
// stdout shows the whole order (and tests/unit/test_cpp_host.py must get the same output from
// the same source run on the host, where exit() runs them).
#include <stdio.h>

class Tracer {
public:
    Tracer(const char *name, int value) : name_(name), value_(value)
    {
        printf("%s(%d)\n", name_, value_);
        constructed_total += value_;
    }
    ~Tracer() { printf("~%s %d\n", name_, value_ + constructed_total); }
    int value() const { return value_; }

    static int constructed_total;

private:
    const char *name_;
    int value_;
};

int Tracer::constructed_total = 0;  // constant-initialised: set before any constructor runs

Tracer first("first", 1);
Tracer second("second", 20);
Tracer third("third", 300);

static Tracer &late(void)
{
    static Tracer local("local", 4000);
    return local;
}

extern "C" int module_main(void)
{
    printf("main %d\n", Tracer::constructed_total);
    return late().value() + first.value() + second.value() + third.value();
}
