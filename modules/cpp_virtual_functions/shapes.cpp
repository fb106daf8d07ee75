// cpp_virtual_functions: a C++-only module. An abstract base with pure virtual functions, a
// two-level hierarchy (Square derives from Rectangle), calls through base pointers that the
// compiler cannot devirtualise (the shape is picked by the entry's argument at run time), and
// templates: a function template over the element type and a class template over a size.
// Every value is integer arithmetic on the arguments, so the expected result is what the
// C++ computes (module.toml shows the sums; tests/unit/test_cpp_host.py runs the same source
// on the host and must get the same number).

class Shape {
public:
    virtual ~Shape() {}
    virtual int area() const = 0;
    virtual int perimeter() const = 0;
    virtual int sides() const { return 0; }
    // Not virtual: calls the overriders through the vtable.
    int weight() const { return area() * 3 + perimeter() * 2 + sides(); }
};

class Rectangle : public Shape {
public:
    Rectangle(int width, int height) : width_(width), height_(height) {}
    int area() const override { return width_ * height_; }
    int perimeter() const override { return 2 * (width_ + height_); }
    int sides() const override { return 4; }

protected:
    int width_;
    int height_;
};

class Square : public Rectangle {
public:
    explicit Square(int side) : Rectangle(side, side) {}
    int perimeter() const override { return 4 * width_ + 1; }  // marks that Square's ran
};

class Triangle : public Shape {
public:
    Triangle(int base, int height) : base_(base), height_(height) {}
    int area() const override { return base_ * height_ / 2; }
    int perimeter() const override { return base_ * 3; }  // an equilateral's, roughly
    int sides() const override { return 3; }

private:
    int base_;
    int height_;
};

template <typename T>
static T largest(const T *values, int count)
{
    T best = values[0];
    for (int i = 1; i < count; i++) {
        if (best < values[i]) {
            best = values[i];
        }
    }
    return best;
}

// A fixed-size ring of the last N weights; N is a template parameter.
template <int N>
class History {
public:
    void add(int value) { values_[next_++ % N] = value; }
    int total() const
    {
        int sum = 0;
        for (int i = 0; i < N; i++) {
            sum += values_[i];
        }
        return sum;
    }

private:
    int values_[N] = {};
    int next_ = 0;
};

// The shape for selector k, built in caller-provided storage so no heap is needed.
static const Shape *make(int k, int a, int b, Rectangle *r, Square *s, Triangle *t)
{
    switch (k % 3) {
    case 0: *r = Rectangle(a, b); return r;
    case 1: *s = Square(a); return s;
    default: *t = Triangle(a, b); return t;
    }
}

extern "C" int module_main(int a, int b, int rounds)
{
    History<4> history;
    int weights[8];
    Rectangle r(0, 0);
    Square s(0);
    Triangle t(0, 0);
    for (int k = 0; k < rounds && k < 8; k++) {
        const Shape *shape = make(k, a + k, b, &r, &s, &t);
        weights[k] = shape->weight();
        history.add(weights[k]);
    }
    short small[3] = {(short)a, (short)b, (short)(a - b)};
    return history.total() * 100 + largest(weights, rounds < 8 ? rounds : 8) % 100 +
           largest(small, 3) * 1000000;
}
