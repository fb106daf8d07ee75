// cpp_new_delete: operator new and delete, new[] and delete[] (plain and sized), through a
// growable array class template and a linked list of heap nodes. Live objects are counted by
// their constructors and destructors, so a delete that did not run a destructor, or a new[]
// that constructed the wrong number of elements, changes the result. The value is what the
// C++ computes (module.toml shows it; tests/unit/test_cpp_host.py runs the same source on the
// host and must get the same number).
static int live;  // objects constructed and not yet destroyed

struct Item {
    Item() : value(0) { live++; }
    explicit Item(int v) : value(v) { live++; }
    Item(const Item &other) : value(other.value) { live++; }
    Item &operator=(const Item &other) = default;
    ~Item() { live--; }
    int value;
};

template <typename T>
class Array {
public:
    Array() : items_(new T[1]), size_(0), capacity_(1) {}
    ~Array() { delete[] items_; }
    Array(const Array &) = delete;
    Array &operator=(const Array &) = delete;

    void push(const T &item)
    {
        if (size_ == capacity_) {
            grow();
        }
        items_[size_++] = item;
    }
    const T &operator[](int i) const { return items_[i]; }
    int size() const { return size_; }
    int capacity() const { return capacity_; }

private:
    void grow()
    {
        T *bigger = new T[capacity_ * 2];
        for (int i = 0; i < size_; i++) {
            bigger[i] = items_[i];
        }
        delete[] items_;
        items_ = bigger;
        capacity_ *= 2;
    }

    T *items_;
    int size_;
    int capacity_;
};

struct Node {
    explicit Node(int v, Node *n) : item(v), next(n) {}
    Item item;
    Node *next;
};

static int list_sum(int count)
{
    Node *head = nullptr;
    for (int i = 1; i <= count; i++) {
        head = new Node(i * i, head);
    }
    int sum = 0;
    while (head != nullptr) {  // frees newest first, as the heap likes it
        Node *next = head->next;
        sum += head->item.value;
        delete head;
        head = next;
    }
    return sum;
}

extern "C" int module_main(int count)
{
    int total = 0;
    int capacity = 0;
    int live_inside = 0;
    {
        Array<Item> array;
        for (int i = 0; i < count; i++) {
            array.push(Item(3 * i + 1));
        }
        for (int i = 0; i < array.size(); i++) {
            total += array[i].value;
        }
        capacity = array.capacity();
        live_inside = live;
    }
    int *scratch = new int[count];
    for (int i = 0; i < count; i++) {
        scratch[i] = i;
    }
    int last = scratch[count - 1];
    delete[] scratch;
    // live must be back to 0 once the array is gone
    return live * 1000000 + live_inside * 10000 + capacity * 1000 + total + last +
           list_sum(count) * 100000;
}
