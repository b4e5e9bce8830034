/*
 * Host tests of the runtime's own string and number functions
 * (libc/string.c, libc/strtol.c; renamed ipc_* for the host build) against
 * the host C library: memcpy and memset at every alignment and length
 * (their eight-byte steps), the search and copy functions, strtol and
 * strtoul with every base, sign and overflow.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void *ipc_memcpy(void *dst, const void *src, size_t n);
void *ipc_memset(void *dst, int c, size_t n);
void *ipc_memchr(const void *s, int c, size_t n);
char *ipc_strrchr(const char *s, int c);
char *ipc_strstr(const char *haystack, const char *needle);
char *ipc_strcpy(char *dst, const char *src);
char *ipc_strncpy(char *dst, const char *src, size_t n);
char *ipc_strcat(char *dst, const char *src);
size_t ipc_strspn(const char *s, const char *accept);
size_t ipc_strcspn(const char *s, const char *reject);
char *ipc_strdup(const char *s);
long ipc_strtol(const char *s, char **end, int base);
unsigned long ipc_strtoul(const char *s, char **end, int base);
int ipc_atoi(const char *s);

/* Every source and destination alignment, every length up to 80: the copy, and nothing else. */
static void test_libc_memcpy_memset_alignments(void **state)
{
    unsigned char src[128], dst[128], expect[128];

    (void)state;
    for (int i = 0; i < 128; i++)
        src[i] = (unsigned char)(i * 7 + 3);
    for (int s = 0; s < 8; s++) {
        for (int d = 0; d < 8; d++) {
            for (int n = 0; n <= 80; n++) {
                memset(dst, 0xee, sizeof(dst));
                memset(expect, 0xee, sizeof(expect));
                memcpy(expect + d, src + s, (size_t)n);
                assert_ptr_equal(ipc_memcpy(dst + d, src + s, (size_t)n), dst + d);
                assert_memory_equal(dst, expect, sizeof(dst));
                memset(expect + d, s * 16 + 1, (size_t)n);
                assert_ptr_equal(ipc_memset(dst + d, s * 16 + 1, (size_t)n), dst + d);
                assert_memory_equal(dst, expect, sizeof(dst));
            }
        }
    }
}

static void test_libc_search(void **state)
{
    const char *s = "a/b/c.txt";

    (void)state;
    assert_ptr_equal(ipc_memchr(s, '/', 9), s + 1);
    assert_null(ipc_memchr(s, '/', 1));
    assert_ptr_equal(ipc_memchr(s, '\0', 10), s + 9);
    assert_ptr_equal(ipc_strrchr(s, '/'), s + 3);
    assert_ptr_equal(ipc_strrchr(s, '\0'), s + 9);
    assert_null(ipc_strrchr(s, 'z'));
    assert_ptr_equal(ipc_strstr(s, "c.t"), s + 4);
    assert_ptr_equal(ipc_strstr(s, ""), s);
    assert_null(ipc_strstr(s, "txtx"));
    const char *aab = "aab";
    assert_ptr_equal(ipc_strstr(aab, "ab"), aab + 1);
    assert_int_equal(ipc_strspn("  \tx", " \t"), 3);
    assert_int_equal(ipc_strspn("abc", ""), 0);
    assert_int_equal(ipc_strcspn("key=value", "=:"), 3);
    assert_int_equal(ipc_strcspn("key", "=:"), 3);
}

static void test_libc_copies(void **state)
{
    char buf[16];
    char *dup;

    (void)state;
    assert_ptr_equal(ipc_strcpy(buf, "abc"), buf);
    assert_string_equal(buf, "abc");
    assert_ptr_equal(ipc_strcat(buf, "de"), buf);
    assert_string_equal(buf, "abcde");
    memset(buf, 'x', sizeof(buf));
    ipc_strncpy(buf, "hi", 6);
    assert_memory_equal(buf, "hi\0\0\0\0x", 7);
    ipc_strncpy(buf, "longer", 3);
    assert_memory_equal(buf, "lon\0", 4);
    dup = ipc_strdup("copy me");
    assert_non_null(dup);
    assert_string_equal(dup, "copy me");
    free(dup);
}

/* ipc_strtol against the host's strtol: value, end and errno. */
static void check_strtol(const char *s, int base)
{
    char *end_ours, *end_host;
    long ours, host;
    int errno_ours, errno_host;

    errno = 0;
    ours = ipc_strtol(s, &end_ours, base);
    errno_ours = errno;
    errno = 0;
    host = strtol(s, &end_host, base);
    errno_host = errno;
    assert_int_equal(ours, host);
    assert_ptr_equal(end_ours, end_host);
    assert_int_equal(errno_ours, errno_host);
    errno = 0;
    assert_int_equal(ipc_strtoul(s, &end_ours, base), strtoul(s, &end_host, base));
    assert_ptr_equal(end_ours, end_host);
}

static void test_libc_strtol(void **state)
{
    static const char *const inputs[] = {
        "0",
        "42",
        "-42",
        "+7",
        "  \t\n12xyz",
        "0x1f",
        "0X1F",
        "-0x10",
        "0x",
        "0xg",
        "017",
        "08",
        "z",
        "Zz",
        "",
        "-",
        "+",
        "   ",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "1010",
        "-1",
    };
    static const int bases[] = {0, 2, 8, 10, 16, 36};

    (void)state;
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
            check_strtol(inputs[i], bases[b]);
    }
    assert_int_equal(ipc_atoi(" -123abc"), -123);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_libc_memcpy_memset_alignments),
        cmocka_unit_test(test_libc_search),
        cmocka_unit_test(test_libc_copies),
        cmocka_unit_test(test_libc_strtol),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
