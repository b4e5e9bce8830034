/*
 * Host tests of the loader's boot.cfg parser: the accepted syntax (comments,
 * blank lines, CRLF, path forms) and one test per rejected input, each
 * checking the message's line number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../loader.h"

static struct loader_config cfg;

static const char *parse(const char *text, unsigned *line)
{
    return config_parse(text, strlen(text), &cfg, line);
}

static void test_boot_config_accepts_full_file(void **state)
{
    const char *text = "# boot\r\n\n  kernel = /kernel.elf\r\n"
                       "cmdline=  a=1 b # kept\nmodule=init.elf\nmodule=\\bin/hello.elf";
    unsigned line;

    (void)state;
    assert_null(parse(text, &line));
    assert_string_equal(cfg.kernel, "kernel.elf");
    assert_string_equal(cfg.cmdline, "a=1 b # kept");
    assert_int_equal(cfg.module_count, 2);
    assert_string_equal(cfg.modules[0], "init.elf");
    assert_string_equal(cfg.modules[1], "bin\\hello.elf");
    assert_string_equal(config_base_name(cfg.modules[1]), "hello.elf");
}

static void expect_error(const char *text, unsigned want_line, const char *want_part)
{
    unsigned line;
    const char *err = parse(text, &line);

    assert_non_null(err);
    assert_non_null(strstr(err, want_part));
    assert_int_equal(line, want_line);
}

static void test_boot_config_rejects_bad_input(void **state)
{
    (void)state;
    expect_error("module=a\n", 0, "no kernel");
    expect_error("kernel=k\nfoo=bar\n", 2, "unknown key");
    expect_error("kernel=k\nkernel=j\n", 2, "duplicate kernel");
    expect_error("kernel=k\ncmdline=a\ncmdline=b\n", 3, "duplicate cmdline");
    expect_error("kernel=k\njunk\n", 2, "key=value");
    expect_error("kernel=/\n", 1, "empty path");
    expect_error("kernel=k\nmodule=dir/\n", 2, "directory");
    expect_error("kernel=k\nmodule=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 2,
                 "name too long");
    expect_error("kernel=k\xc3\xa9\n", 1, "non-ASCII");
}

static void test_boot_config_limits_module_count(void **state)
{
    char text[2048] = "kernel=k\n";
    unsigned i, line;

    (void)state;
    for (i = 0; i < BOOT_MAX_MODULES; i++)
        strcat(text, "module=m\n");
    assert_null(parse(text, &line));
    assert_int_equal(cfg.module_count, BOOT_MAX_MODULES);
    strcat(text, "module=m\n");
    expect_error(text, BOOT_MAX_MODULES + 2, "too many");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_config_accepts_full_file),
        cmocka_unit_test(test_boot_config_rejects_bad_input),
        cmocka_unit_test(test_boot_config_limits_module_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
