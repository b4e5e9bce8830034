/*
 * Host tests of the shared string functions (lib/string.c, with user
 * programs' memcpy and memset from libipc/libc/string.c; renamed to ipc_* for
 * the host build): results, return values, overlap handling of memmove, the
 * unsigned comparison rules and the bounded copies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <lib/string.h>

static void test_string_copy_and_fill(void **state)
{
    char buf[16] = "..............";
    char *r;

    (void)state;
    r = memset(buf, 'a', 5);
    assert_ptr_equal(r, buf);
    assert_int_equal(memcmp(buf, "aaaaa.", 6), 0);
    r = memcpy(buf + 2, "XYZ", 3);
    assert_ptr_equal(r, buf + 2);
    assert_int_equal(memcmp(buf, "aaXYZ.", 6), 0);
    assert_ptr_equal(memcpy(buf, "q", 0), buf);
    assert_int_equal(buf[0], 'a');
}

static void test_string_memmove_overlap(void **state)
{
    char fwd[] = "0123456789";
    char back[] = "0123456789";

    (void)state;
    memmove(fwd + 2, fwd, 6);
    assert_int_equal(memcmp(fwd, "0101234589", 10), 0);
    memmove(back, back + 2, 6);
    assert_int_equal(memcmp(back, "2345676789", 10), 0);
}

static void test_string_compare(void **state)
{
    (void)state;
    assert_int_equal(strlen(""), 0);
    assert_int_equal(strlen("hello"), 5);
    assert_int_equal(strcmp("abc", "abc"), 0);
    assert_true(strcmp("abc", "abd") < 0);
    assert_true(strcmp("abd", "abc") > 0);
    assert_true(strcmp("ab", "abc") < 0);
    assert_true(strcmp("\xff", "a") > 0); /* compared as unsigned char */
    assert_int_equal(strncmp("abcdef", "abcxyz", 3), 0);
    assert_true(strncmp("abcdef", "abcxyz", 4) < 0);
    assert_int_equal(strncmp("ab", "ab", 10), 0);
    assert_int_equal(strncmp("x", "y", 0), 0);
    assert_true(memcmp("\x80", "\x01", 1) > 0);
}

static void test_string_strchr(void **state)
{
    const char *s = "run=a,b";

    (void)state;
    assert_ptr_equal(strchr(s, '='), s + 3);
    assert_ptr_equal(strchr(s, ','), s + 5);
    assert_ptr_equal(strchr(s, '\0'), s + 7);
    assert_null(strchr(s, 'z'));
}

static void test_string_bounded(void **state)
{
    char buf[6];

    (void)state;
    assert_int_equal(strnlen("hello", 10), 5);
    assert_int_equal(strnlen("hello", 3), 3);
    assert_int_equal(strnlen("", 0), 0);
    strlcpy(buf, "abc", sizeof(buf));
    assert_int_equal(memcmp(buf, "abc", 4), 0);
    strlcpy(buf, "truncated", sizeof(buf));
    assert_int_equal(memcmp(buf, "trunc", 6), 0);
    strlcpy(buf, "x", 1);
    assert_int_equal(buf[0], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_copy_and_fill), cmocka_unit_test(test_string_memmove_overlap),
        cmocka_unit_test(test_string_compare),       cmocka_unit_test(test_string_strchr),
        cmocka_unit_test(test_string_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
