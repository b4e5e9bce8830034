/*
 * The shell's line editor and word splitter on the host: typing, erasing,
 * history, escape sequences, refused control characters, over-long lines,
 * quoting and command separation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "line.h"
#include "words.h"

static struct line L;

/* Feed @s; return the last event. */
static enum line_event type(const char *s)
{
    enum line_event ev = LINE_NONE;

    for (; *s; s++)
        ev = line_feed(&L, (unsigned char)*s);
    return ev;
}

static int setup(void **state)
{
    (void)state;
    line_init(&L);
    return 0;
}

static void test_line_typed_and_echoed(void **state)
{
    (void)state;
    assert_int_equal(type("ps"), LINE_NONE);
    assert_int_equal(L.echo_len, 2);
    assert_memory_equal(L.echo, "ps", 2);
    assert_int_equal(type("\r"), LINE_DONE);
    assert_string_equal(line_text(&L), "ps");
}

static void test_line_backspace_and_kill(void **state)
{
    (void)state;
    assert_int_equal(type("psx\x7f"), LINE_NONE);
    assert_int_equal(type("\b\bvmstat"), LINE_NONE);
    assert_int_equal(type("\n"), LINE_DONE);
    assert_string_equal(line_text(&L), "vmstat");
    type("garbage\x15help\r"); /* Ctrl-U */
    assert_string_equal(line_text(&L), "help");
    L.echo_len = 0;
    type("\x7f\x7f"); /* nothing to erase: nothing shown */
    assert_int_equal(L.echo_len, 0);
}

static void test_line_history(void **state)
{
    (void)state;
    type("one\r");
    type("two\r");
    type("two\r"); /* a repeat is kept once */
    type("\r");    /* an empty line is not kept */
    assert_int_equal(L.hist_count, 2);
    assert_int_equal(type("\x1b[A\r"), LINE_DONE);
    assert_string_equal(line_text(&L), "two");
    assert_int_equal(type("\x1b[A\x1b[A\r"), LINE_DONE);
    assert_string_equal(line_text(&L), "one");
    type("\x1b[A\x1b[A\x1b[A\x1b[B\r"); /* up past the oldest rings; down moves back */
    assert_string_equal(line_text(&L), "two");
    type("x\x1b[A\x1b[Bz\r"); /* down to the new line: empty */
    assert_string_equal(line_text(&L), "z");
}

static void test_line_control_characters_refused(void **state)
{
    (void)state;
    L.echo_len = 0;
    assert_int_equal(type("a\x01\x02\x7e\x80\xff"), LINE_NONE);
    assert_int_equal(type("\x1bOP"), LINE_NONE); /* ESC O: not CSI, swallowed with its byte */
    assert_int_equal(type("\r"), LINE_DONE);
    assert_string_equal(line_text(&L), "a~P");
    assert_non_null(memchr(L.echo, '\a', L.echo_len));
    assert_int_equal(type("half\x03"), LINE_CANCEL);
    assert_int_equal(type("\r"), LINE_DONE);
    assert_string_equal(line_text(&L), "");
}

static void test_line_too_long(void **state)
{
    (void)state;
    for (int i = 0; i < LINE_MAX + 10; i++)
        assert_int_equal(line_feed(&L, 'x'), LINE_NONE);
    assert_int_equal(line_feed(&L, '\r'), LINE_TOO_LONG);
    assert_int_equal(L.hist_count, 0);
    assert_int_equal(type("ok\r"), LINE_DONE); /* the next line is fine */
    assert_string_equal(line_text(&L), "ok");
    for (int i = 0; i < LINE_MAX - 1; i++) /* exactly the longest line */
        line_feed(&L, 'y');
    assert_int_equal(line_feed(&L, '\r'), LINE_DONE);
    assert_int_equal(strlen(line_text(&L)), LINE_MAX - 1);
}

static void test_words_split(void **state)
{
    struct words w;
    const char *why = NULL;

    (void)state;
    assert_int_equal(words_split("  run  hello \"a b\" 'c \"d\"' e\\ f  ", &w, &why), 5);
    assert_string_equal(w.word[0], "run");
    assert_string_equal(w.word[2], "a b");
    assert_string_equal(w.word[3], "c \"d\"");
    assert_string_equal(w.word[4], "e f");
    assert_int_equal(words_split("", &w, &why), 0);
    assert_int_equal(words_split("run \"open", &w, &why), -1);
    assert_string_equal(why, "unclosed quote or a backslash at the end");
    assert_int_equal(words_split("run end\\", &w, &why), -1);
    assert_string_equal(why, "unclosed quote or a backslash at the end");
    assert_int_equal(words_split("a b c d e f g h i j k l m n o p q", &w, &why), -1);
    assert_string_equal(why, "too many words");
    char big[400];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(words_split(big, &w, &why), -1);
    assert_string_equal(why, "line too long");
}

static void test_words_commands(void **state)
{
    (void)state;
    assert_int_equal(words_command_len("ps; vmstat"), 2);
    assert_int_equal(words_command_len("run x \"a;b\"; ps"), 11);
    assert_int_equal(words_command_len("run x a\\;b"), 10);
    assert_int_equal(words_command_len("help"), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_line_typed_and_echoed, setup),
        cmocka_unit_test_setup(test_line_backspace_and_kill, setup),
        cmocka_unit_test_setup(test_line_history, setup),
        cmocka_unit_test_setup(test_line_control_characters_refused, setup),
        cmocka_unit_test_setup(test_line_too_long, setup),
        cmocka_unit_test(test_words_split),
        cmocka_unit_test(test_words_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
