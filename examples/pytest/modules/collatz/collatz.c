/* collatz: the steps n takes to reach 1 (n -> 3n + 1 when odd, n / 2 when even), stopping at
 * limit. Plain 32-bit unsigned arithmetic, so the host (examples/pytest/conftest.py) computes
 * the same values as every board. */

int collatz_steps(int n, int limit);

int collatz_steps(int n, int limit)
{
    unsigned int value = (unsigned int)n;
    int steps = 0;
    while (value > 1u && steps < limit) {
        value = (value & 1u) ? 3u * value + 1u : value / 2u;
        steps++;
    }
    return steps;
}
