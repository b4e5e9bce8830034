/*
 * The kernel command line's words (lib/cmdline.c): the last value of a key
 * wins, bare flags, quoted spaces and commas, list items and unquoting,
 * and the malformed cases callers must refuse.
 */
#include <lib/cmdline.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static const char *value_of(const char *cmdline, const char *key)
{
    static char buf[128];
    return cmdline_get(cmdline, key, buf, sizeof(buf)) ? buf : NULL;
}

static void test_cmdline_later_word_wins(void **state)
{
    (void)state;
    const char *line = "run=hello,memdemo swap=disk frames=4096 run=test_faults frames=8192";

    assert_string_equal(value_of(line, "run"), "test_faults");
    assert_string_equal(value_of(line, "frames"), "8192");
    assert_string_equal(value_of(line, "swap"), "disk");
    assert_null(value_of(line, "fram"));  /* a prefix is not the key */
    assert_null(value_of(line, "pager")); /* absent */
    assert_true(cmdline_is(line, "swap", "disk"));
    assert_false(cmdline_is(line, "swap", "dis"));
    assert_false(cmdline_is(line, "pager", "kernel"));
}

static void test_cmdline_bare_flags(void **state)
{
    (void)state;
    size_t n = 99;

    assert_non_null(cmdline_find("frames=1 nopcid", "nopcid", &n));
    assert_int_equal(n, 0);
    assert_string_equal(value_of("nopcid frames=1", "nopcid"), "");
    assert_null(cmdline_find("nopcidx frames=1", "nopcid", &n));
}

static void test_cmdline_quotes_keep_spaces(void **state)
{
    (void)state;
    const char *line = "run=hello:\"a b, c\",memdemo frames=10 x=\"1 2\" y=\\\" z=3";
    size_t n;
    const char *run = cmdline_find(line, "run", &n);

    assert_non_null(run);
    assert_int_equal(n, strlen("hello:\"a b, c\",memdemo"));
    assert_string_equal(value_of(line, "frames"), "10");
    assert_string_equal(value_of(line, "x"), "\"1 2\"");
    assert_string_equal(value_of(line, "y"), "\\\"");
    assert_string_equal(value_of(line, "z"), "3");
    /* The list splits at the comma outside the quotes only. */
    size_t first = cmdline_item_len(run, n);
    assert_int_equal(first, strlen("hello:\"a b, c\""));
    assert_int_equal(cmdline_item_len(run + first + 1, n - first - 1), strlen("memdemo"));
}

static void test_cmdline_unquote(void **state)
{
    (void)state;
    char out[16];

    assert_int_equal(cmdline_unquote("\"a b\"", 5, out, sizeof(out)), 3);
    assert_string_equal(out, "a b");
    assert_int_equal(cmdline_unquote("x\\\"y", 4, out, sizeof(out)), 3);
    assert_string_equal(out, "x\"y");
    assert_int_equal(cmdline_unquote("", 0, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(cmdline_unquote("\"open", 5, out, sizeof(out)), CMDLINE_BAD_QUOTES);
    assert_int_equal(cmdline_unquote("end\\", 4, out, sizeof(out)), CMDLINE_BAD_QUOTES);
    assert_int_equal(cmdline_unquote("0123456789abcdef", 16, out, 16), CMDLINE_NO_ROOM);
}

/* Single quotes keep backslashes and double quotes; tabs separate words. */
static void test_cmdline_single_quotes_and_tabs(void **state)
{
    (void)state;
    char out[16];
    const char *line = "'a \\ \"b' c\td";

    assert_int_equal(cmdline_span(line, (size_t)-1, " \t"), 8);
    assert_int_equal(cmdline_unquote(line, 8, out, sizeof(out)), 6);
    assert_string_equal(out, "a \\ \"b");
    assert_int_equal(cmdline_word_len("c\td"), 1);
    /* A ';' inside either quote, or escaped, does not end a command. */
    assert_int_equal(cmdline_span("a ';' \\; \";\"; b", (size_t)-1, ";"), 12);
    assert_int_equal(cmdline_unquote("'open", 5, out, sizeof(out)), CMDLINE_BAD_QUOTES);
    /* Inside double quotes a single quote is an ordinary byte, and the other way round. */
    assert_int_equal(cmdline_unquote("\"it's\"'\"'", 9, out, sizeof(out)), 5);
    assert_string_equal(out, "it's\"");
}

/* Joined words split back into the same words, under either rules. */
static void test_cmdline_join_split_round_trip(void **state)
{
    static char *in[] = {"plain", "two words", "q\"uote", "back\\slash", "", "it's", "tab\there"};
    const int n = sizeof(in) / sizeof(in[0]);
    char line[128], store[128], *word[8];

    (void)state;
    assert_true(cmdline_join(in, n, line, sizeof(line)) > 0);
    assert_string_equal(line, "plain \"two words\" \"q\\\"uote\" \"back\\\\slash\" \"\" \"it's\" "
                              "\"tab\there\"");
    assert_int_equal(cmdline_split(line, store, sizeof(store), word, 8), n);
    for (int i = 0; i < n; i++)
        assert_string_equal(word[i], in[i]);
    assert_int_equal(cmdline_join(in, 2, line, 10), -1); /* does not fit */
}

/* Splitting refuses what it cannot return whole. */
static void test_cmdline_split_limits(void **state)
{
    char store[8], *word[2];

    (void)state;
    assert_int_equal(cmdline_split(" \t ", store, sizeof(store), word, 2), 0);
    assert_int_equal(cmdline_split("a\tb", store, sizeof(store), word, 2), 2);
    assert_int_equal(cmdline_split("a b c", store, sizeof(store), word, 2), CMDLINE_TOO_MANY);
    assert_int_equal(cmdline_split("abcd efgh", store, sizeof(store), word, 2), CMDLINE_NO_ROOM);
    assert_int_equal(cmdline_split("'ab", store, sizeof(store), word, 2), CMDLINE_BAD_QUOTES);
}

/* Options among a program's words: the last one wins, argv[0] never counts. */
static void test_cmdline_option(void **state)
{
    char *argv[] = {"store=prog", "store=ram", "client", "threads=2", "store=disk", NULL};

    (void)state;
    assert_string_equal(cmdline_option(5, argv, "store"), "disk");
    assert_string_equal(cmdline_option(5, argv, "client"), "");
    assert_string_equal(cmdline_option(5, argv, "threads"), "2");
    assert_null(cmdline_option(5, argv, "thread"));
    assert_null(cmdline_option(1, argv, "store"));
}

static void test_cmdline_value_too_long(void **state)
{
    (void)state;
    char small[4];

    assert_false(cmdline_get("run=hello", "run", small, sizeof(small)));
    assert_true(cmdline_get("run=abc", "run", small, sizeof(small)));
    assert_string_equal(small, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmdline_later_word_wins),
        cmocka_unit_test(test_cmdline_bare_flags),
        cmocka_unit_test(test_cmdline_quotes_keep_spaces),
        cmocka_unit_test(test_cmdline_unquote),
        cmocka_unit_test(test_cmdline_single_quotes_and_tabs),
        cmocka_unit_test(test_cmdline_value_too_long),
        cmocka_unit_test(test_cmdline_join_split_round_trip),
        cmocka_unit_test(test_cmdline_split_limits),
        cmocka_unit_test(test_cmdline_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
