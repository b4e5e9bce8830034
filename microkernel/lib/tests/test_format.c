/*
 * Host tests of the formatting core (lib/fmt.c): every conversion, flag and
 * length modifier the kernel and the guest programs use, truncation and the return value of
 * snprintf, and the sink interface of fmt_format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <lib/fmt.h>

#define CHECK_FMT(expect, ...)                                                                     \
    do {                                                                                           \
        char buf_[128];                                                                            \
        int n_ = snprintf(buf_, sizeof(buf_), __VA_ARGS__);                                        \
        assert_string_equal(buf_, expect);                                                         \
        assert_int_equal(n_, (int)strlen(expect));                                                 \
    } while (0)

static void test_format_integers(void **state)
{
    (void)state;
    CHECK_FMT("0 1 -1 42", "%d %i %d %d", 0, 1, -1, 42);
    CHECK_FMT("-2147483648 2147483647", "%d %d", INT32_MIN, INT32_MAX);
    CHECK_FMT("4294967295", "%u", 4294967295u);
    CHECK_FMT("ff FF 0", "%x %X %x", 255u, 255u, 0u);
    CHECK_FMT("-9223372036854775808", "%lld", (long long)INT64_MIN);
    CHECK_FMT("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
    CHECK_FMT("ffffffffffffffff", "%lx", (unsigned long)UINT64_MAX);
    CHECK_FMT("deadbeefcafe", "%llx", 0xdeadbeefcafeull);
    CHECK_FMT("12345678901", "%zu", (size_t)12345678901ull);
    CHECK_FMT("-5", "%ld", -5L);
    CHECK_FMT("255 -1", "%hhu %hhd", 0x1ff, 0xff);
    CHECK_FMT("65535", "%hu", 0x1ffff);
}

static void test_format_width_and_padding(void **state)
{
    (void)state;
    CHECK_FMT("   42", "%5d", 42);
    CHECK_FMT("00042", "%05d", 42);
    CHECK_FMT("-0042", "%05d", -42);
    CHECK_FMT("42   |", "%-5d|", 42);
    CHECK_FMT("0000beef", "%08x", 0xbeefu);
    CHECK_FMT("000000000000beef", "%016lx", 0xbeefUL);
    CHECK_FMT("   ab", "%*s", 5, "ab");
    CHECK_FMT("ab   |", "%*s|", -5, "ab");
    CHECK_FMT("12345", "%3d", 12345);
    CHECK_FMT("007", "%.3d", 7);
    CHECK_FMT("  007", "%5.3d", 7);
    CHECK_FMT("00000000deadbeef", "%016llx", 0xdeadbeefull); /* kernel register dumps */
    CHECK_FMT("[   1.005] ", "[%4u.%03u] ", 1u, 5u);         /* the kernel log's time stamp */
}

static void test_format_strings_chars_pointers(void **state)
{
    (void)state;
    CHECK_FMT("hello world", "%s %s", "hello", "world");
    CHECK_FMT("abc", "%.3s", "abcdef");
    CHECK_FMT("x|  y", "%c|%3c", 'x', 'y');
    CHECK_FMT("100%", "%d%%", 100);
    CHECK_FMT("0x400000", "%p", (void *)0x400000);
    CHECK_FMT("0x0", "%p", (void *)0);
    CHECK_FMT("", "%s", "");
    CHECK_FMT("no conversions", "no conversions");
}

static void test_format_null_string(void **state)
{
    const char *volatile null = NULL; /* hidden from the compiler's format checks */

    (void)state;
    CHECK_FMT("(null)", "%s", null);
}

static void test_format_truncation(void **state)
{
    char buf[8];
    int n;

    (void)state;
    memset(buf, 'Z', sizeof(buf));
    n = snprintf(buf, sizeof(buf), "%s", "0123456789");
    assert_int_equal(n, 10);
    assert_string_equal(buf, "0123456");
    n = snprintf(buf, 1, "abc");
    assert_int_equal(n, 3);
    assert_int_equal(buf[0], '\0');
    buf[0] = 'Q';
    n = snprintf(buf, 0, "abc%d", 12);
    assert_int_equal(n, 5);
    assert_int_equal(buf[0], 'Q');
}

struct sink_record {
    char text[64];
    size_t len;
    int calls;
};

static void record_sink(void *ctx, const char *buf, size_t len)
{
    struct sink_record *r = ctx;

    assert_true(r->len + len < sizeof(r->text));
    memcpy(r->text + r->len, buf, len);
    r->len += len;
    r->text[r->len] = '\0';
    r->calls++;
}

static int format_to_sink(struct sink_record *r, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = fmt_format(record_sink, r, fmt, ap);
    va_end(ap);
    return n;
}

static void test_format_sink(void **state)
{
    struct sink_record r = {.len = 0, .calls = 0};
    int n;

    (void)state;
    n = format_to_sink(&r, "a=%d b=%s", 7, "x");
    assert_int_equal(n, 7);
    assert_string_equal(r.text, "a=7 b=x");
    assert_true(r.calls >= 1);
}

/* '+' and ' ' before signed numbers; no floating point where fmt_nofloat.c is linked (the kernel).
 */
static void test_format_signs_and_no_float(void **state)
{
    const char *both_signs = "%+ d % +d"; /* '+' wins in either order (gcc warns of a literal) */

    (void)state;
    CHECK_FMT("+5 -5  5 +0", "%+d %+d % d %+i", 5, -5, 5, 0);
    CHECK_FMT("  +42", "%+5d", 42);
    CHECK_FMT("+1 +2", both_signs, 1, 2);
    CHECK_FMT("f e|g 7", "%f %e|%g %d", 1.5, 2.5, 3.5, 7);
}

static void test_format_trailing_percent(void **state)
{
    const char *fmt = "abc%"; /* not a literal: the compiler would reject it */

    (void)state;
    CHECK_FMT("abc", fmt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_integers),
        cmocka_unit_test(test_format_width_and_padding),
        cmocka_unit_test(test_format_strings_chars_pointers),
        cmocka_unit_test(test_format_null_string),
        cmocka_unit_test(test_format_truncation),
        cmocka_unit_test(test_format_sink),
        cmocka_unit_test(test_format_signs_and_no_float),
        cmocka_unit_test(test_format_trailing_percent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
