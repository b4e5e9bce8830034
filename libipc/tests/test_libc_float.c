/*
 * Host tests of the runtime's floating-point formatting (libc/fmt_float.c
 * under lib/fmt.c, snprintf renamed ipc_snprintf): every conversion, flag
 * and precision against the host C library's snprintf, on chosen values
 * (powers of ten, ties, the extremes, subnormals, inf and nan) and on many
 * random bit patterns and magnitudes. They must agree byte for byte.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

int ipc_snprintf(char *buf, size_t size, const char *fmt, ...);

static const char *const formats[] = {
    "%f",   "%.0f",  "%.1f",   "%.3f",     "%.10f",   "%.20f",     "%.60f",    "%#.0f", "%e",
    "%.0e", "%.1e",  "%.15e",  "%.17e",    "%.30e",   "%#.0e",     "%E",       "%g",    "%.0g",
    "%.1g", "%.3g",  "%.10g",  "%.17g",    "%#g",     "%#.3g",     "%G",       "%F",    "%+f",
    "% e",  "%+.4g", "%12.4f", "%-14.3e|", "%012.3f", "%-+10.2f|", "% 015.5e", "%.25g",
};

/*
 * glibc 2.36 drops the zeros '#' must keep when %#g rounds up to the next
 * power of ten ("%#.3g" of 999.9999: "1.e+03", C11 7.21.6.1 says
 * "1.00e+03"). Is @host @ours without the zeros after its point?
 */
static int host_hash_g_carry(const char *fmt, const char *ours, const char *host)
{
    char squeezed[2048];
    size_t n = 0;
    const char *point = strchr(ours, '.');

    if (strchr(fmt, '#') == NULL || (strchr(fmt, 'g') == NULL && strchr(fmt, 'G') == NULL) ||
        point == NULL)
        return 0;
    for (const char *p = ours; *p != '\0'; p++) {
        if (p > point && *p == '0' && p[-1] != 'e' && p[-1] != 'E' && strchr(p, 'e') != NULL)
            continue;
        squeezed[n++] = *p;
    }
    squeezed[n] = '\0';
    return strcmp(squeezed, host) == 0;
}

/* Format @v with @fmt both ways and compare. */
static void check_value(const char *fmt, double v)
{
    char ours[2048], host[2048];
    int n_ours = ipc_snprintf(ours, sizeof(ours), fmt, v);
    int n_host = snprintf(host, sizeof(host), fmt, v);

    if (host_hash_g_carry(fmt, ours, host))
        return;
    if (strcmp(ours, host) != 0 || n_ours != n_host)
        fail_msg("format \"%s\" of %a: ours \"%s\" (%d), host \"%s\" (%d)", fmt, v, ours, n_ours,
                 host, n_host);
}

static void check_all_formats(double v)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        check_value(formats[i], v);
        check_value(formats[i], -v);
    }
}

static void test_float_chosen_values(void **state)
{
    static const double values[] = {
        0.0,
        1.0,
        0.5,
        1.5,
        2.5,
        0.125,
        0.05,
        0.15,
        0.25,
        0.35,
        9.5,
        99.5,
        999.9999,
        0.1,
        0.2,
        0.3,
        1.0 / 3.0,
        2.0 / 3.0,
        3.141592653589793,
        2.718281828459045,
        1e-4,
        9.99999e-5,
        1e-5,
        123456.0,
        999999.5,
        1e6,
        1e15,
        1e16,
        1e17,
        1e21,
        1e22,
        1e23,
        1e100,
        1e300,
        1e-300,
        1e-310,
        4.9406564584124654e-324,
        2.2250738585072014e-308,
        DBL_MAX,
        DBL_EPSILON,
        9007199254740993.0,
        0.000123456789,
        5e-7,
        0.95,
        0.995,
        9.995,
        1234.5678,
    };

    (void)state;
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        check_all_formats(values[i]);
}

static void test_float_special_values(void **state)
{
    (void)state;
    check_all_formats(INFINITY);
    check_all_formats(NAN);
    check_all_formats(-0.0);
    check_value("%08f|%-8e|%08g", INFINITY);
    check_value("%010.2f", -NAN);
}

/* xorshift64*: the same random doubles on every run. */
static uint64_t random_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static void test_float_random_bits(void **state)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;

    (void)state;
    for (int i = 0; i < 3000; i++) {
        union {
            uint64_t u;
            double d;
        } bits = {.u = random_next(&seed)};
        if (isfinite(bits.d))
            check_all_formats(bits.d);
    }
}

/* Values of every decimal magnitude near the range where %g switches notation. */
static void test_float_random_magnitudes(void **state)
{
    uint64_t seed = 12345;

    (void)state;
    for (int i = 0; i < 3000; i++) {
        double mantissa = (double)(random_next(&seed) >> 11) / 9007199254740992.0;
        int exp10 = (int)(random_next(&seed) % 40) - 20;
        check_all_formats(mantissa * pow(10.0, exp10));
    }
}

/* Whole numbers and exact halves: the ties that round to even. */
static void test_float_ties(void **state)
{
    (void)state;
    for (int i = -2000; i <= 2000; i++) {
        check_value("%.0f", i + 0.5);
        check_value("%.1f", i / 4.0);
        check_value("%.2f", i / 8.0);
        check_value("%.0e", (double)i * 5.0);
    }
}

/* Doubles among other arguments, and the length ipc_snprintf reports when it truncates. */
static void test_float_mixed_arguments(void **state)
{
    char buf[64];
    int n;

    (void)state;
    n = ipc_snprintf(buf, sizeof(buf), "%d %.2f %s %e %c", 7, 2.125, "x", 1e-3, 'z');
    assert_string_equal(buf, "7 2.12 x 1.000000e-03 z");
    assert_int_equal(n, 23);
    n = ipc_snprintf(buf, 6, "%f", 3.25);
    assert_string_equal(buf, "3.250");
    assert_int_equal(n, 8);
    ipc_snprintf(buf, sizeof(buf), "%#.3g %#g %#.3G", 999.9999, 999999.7, 9.9999e-5);
    assert_string_equal(buf, "1.00e+03 1.00000e+06 0.000100"); /* see host_hash_g_carry */
    n = ipc_snprintf(buf, sizeof(buf), "%.3000f", 1.0);
    assert_int_equal(n, 1102); /* the precision is cut to 1100 places */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_chosen_values), cmocka_unit_test(test_float_special_values),
        cmocka_unit_test(test_float_random_bits),   cmocka_unit_test(test_float_random_magnitudes),
        cmocka_unit_test(test_float_ties),          cmocka_unit_test(test_float_mixed_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
