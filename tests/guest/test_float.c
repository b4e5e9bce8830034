/*
 * Floating point in a user program built as ordinary x86-64 code (FPU in
 * add_user_program: SSE2 registers, the red zone, vectorised loops):
 * arithmetic with float and double checked against exact or known results,
 * and doubles formatted by the runtime's printf family (%f %e %g), also
 * past the eight arguments that travel in registers.
 */
#include <ipc/test.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Hidden from the optimiser, so the arithmetic happens at run time. */
static volatile double seven = 7.0, two = 2.0, tenth = 0.1, pi_literal = 3.141592653589793;
static volatile float third_f = 1.0f / 3.0f;

/* sqrt(@x) by Newton's method, until the step stops changing the value. */
static double newton_sqrt(double x)
{
    double r = x > 1.0 ? x : 1.0;

    for (int i = 0; i < 100; i++) {
        double next = 0.5 * (r + x / r);
        if (next == r)
            break;
        r = next;
    }
    return r;
}

/* pi by Machin's formula: 16 atan(1/5) - 4 atan(1/239), atan by its series. */
static double atan_inverse(double n)
{
    double sum = 0.0, power = 1.0 / n, sign = 1.0;

    for (int k = 0; k < 60; k++) {
        sum += sign * power / (2 * k + 1);
        power /= n * n;
        sign = -sign;
    }
    return sum;
}

static void check_arithmetic(void)
{
    double root = newton_sqrt(two);
    double pi = 16.0 * atan_inverse(5.0) - 4.0 * atan_inverse(239.0);
    union {
        double d;
        uint64_t u;
    } bits = {.d = seven / two};

    TEST_CHECK(bits.u == 0x400c000000000000ull, "7/2 bits %llx", (unsigned long long)bits.u);
    double error = root * root - 2.0;
    TEST_CHECK(error >= -4.5e-16 && error <= 4.5e-16, "sqrt(2)^2 = %.17g", root * root);
    TEST_CHECK(pi - pi_literal < 1e-15 && pi_literal - pi < 1e-15, "pi = %.17g", pi);
    TEST_CHECK(tenth + 0.2 != 0.3, "0.1 + 0.2 is not 0.3 in binary");
    TEST_CHECK((long long)(seven * 1e12) == 7000000000000LL, "double to integer");
    TEST_CHECK((float)(third_f * 3.0f) == 1.0f, "float arithmetic: %.9g", (double)(third_f * 3.0f));
}

/* A loop the compiler vectorises: sums of i * i in doubles are exact up to 2^53. */
static void check_vector_loop(void)
{
    static double a[1000], b[1000];
    double dot = 0.0;

    for (int i = 0; i < 1000; i++) {
        a[i] = (double)i;
        b[i] = (double)i * 0.5;
    }
    for (int i = 0; i < 1000; i++)
        dot += a[i] * b[i] * 2.0;
    /* sum of i^2 for i < 1000 = 999 * 1000 * 1999 / 6 */
    TEST_CHECK(dot == 332833500.0, "dot product %.1f", dot);
}

#define CHECK_FORMAT(expect, ...)                                                                  \
    do {                                                                                           \
        char buf_[128];                                                                            \
        snprintf(buf_, sizeof(buf_), __VA_ARGS__);                                                 \
        TEST_CHECK(strcmp(buf_, expect) == 0, "\"%s\" printed \"%s\"", expect, buf_);              \
    } while (0)

static void check_formatting(void)
{
    double pi = pi_literal;

    CHECK_FORMAT("3.141593", "%f", pi);
    CHECK_FORMAT("3.14159265358979312", "%.17f", pi);
    CHECK_FORMAT("3.141593e+00", "%e", pi);
    CHECK_FORMAT("6.02214076e+23", "%.8e", 6.02214076e23);
    CHECK_FORMAT("1e-05", "%g", 1e-5);
    CHECK_FORMAT("0.10000000000000001", "%.17g", tenth);
    CHECK_FORMAT("  -2.50|", "%7.2f|", -2.5);
    CHECK_FORMAT("+0003.5", "%+07.1f", 3.5);
    CHECK_FORMAT("2 0 -0 inf -nan", "%.0f %.0f %.0f %g %g", 2.5, 0.5, -0.0, 1.0 / 0.0,
                 -__builtin_nan(""));
    CHECK_FORMAT("1.797693e+308 4.940656e-324", "%e %e", 1.7976931348623157e308, 4.9e-324);
    CHECK_FORMAT("123456789", "%.0f", 123456789.0);
    /* Ten doubles and ints mixed: the last ones come from the stack, not registers. */
    CHECK_FORMAT("1 2 3 4 5 6 7 8 9 10 x 11", "%g %g %g %g %g %g %g %g %g %g %c %d", 1.0, 2.0, 3.0,
                 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 'x', 11);
}

int main(void)
{
    check_arithmetic();
    check_vector_loop();
    check_formatting();
    printf("test_float: sqrt(2) = %.15f, pi = %.15g, 1/3f = %e, 2^-1074 = %g\n", newton_sqrt(two),
           16.0 * atan_inverse(5.0) - 4.0 * atan_inverse(239.0), (double)third_f,
           4.9406564584124654e-324);
    return test_report("test_float");
}
