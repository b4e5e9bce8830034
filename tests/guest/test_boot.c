/*
 * The first in-guest test: reaching main proves the kernel loaded an ELF,
 * entered user mode and passed an argument string. Also checks the start-up
 * contract (stack alignment, initialized data, zeroed bss) and the runtime.
 */
#include <ipc/fmt.h>
#include <ipc/malloc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <stdint.h>

static int boot_data_word = 0x12345678;
static int boot_bss_words[1024];

static void boot_check_runtime(void)
{
    char buf[32];
    char *a, *b;

    TEST_CHECK(strcmp("abc", "abc") == 0 && strcmp("abc", "abd") < 0, "strcmp");
    TEST_CHECK(strlen("hello") == 5, "strlen");
    TEST_CHECK(strchr("a,b", ',') != NULL, "strchr");
    snprintf(buf, sizeof(buf), "%d-%x-%s", -7, 0xabcu, "ok");
    TEST_CHECK(strcmp(buf, "-7-abc-ok") == 0, "snprintf gave \"%s\"", buf);
    TEST_CHECK(strcmp(err_text(-ERR_NOMEM), "out of memory") == 0, "err_text");
    a = malloc(100);
    b = malloc(10000);
    TEST_CHECK(a != NULL && b != NULL, "malloc");
    if (a != NULL && b != NULL) {
        TEST_CHECK(((uintptr_t)a & 15) == 0 && ((uintptr_t)b & 15) == 0, "malloc alignment");
        memset(a, 0x5a, 100);
        memset(b, 0xa5, 10000);
        TEST_CHECK(a[99] == 0x5a && (unsigned char)b[9999] == 0xa5, "malloc memory");
    }
    free(a);
    free(b);
    TEST_CHECK(malloc(100) == a, "freed block is reused");
}

int main(int argc, char **argv)
{
    unsigned int i;
    int bss_zero = 1;

    printf("PASS: boot reached user space\n");
    TEST_CHECK(argc == 1, "init passes no arguments, got %d", argc - 1);
    TEST_CHECK(strcmp(argv[0], "test_boot") == 0, "argv[0] is \"%s\"", argv[0]);
    TEST_CHECK(argv[argc] == NULL, "argv[argc] is not NULL");
    TEST_CHECK(((uintptr_t)__builtin_frame_address(0) & 15) == 0, "main's frame %p unaligned",
               __builtin_frame_address(0));
    TEST_CHECK(boot_data_word == 0x12345678, "data word 0x%x", boot_data_word);
    for (i = 0; i < sizeof(boot_bss_words) / sizeof(boot_bss_words[0]); i++)
        bss_zero &= boot_bss_words[i] == 0;
    TEST_CHECK(bss_zero, "bss not zero");
    TEST_CHECK(sys_clock_ns() > 0, "clock");
    boot_check_runtime();
    return test_report("test_boot");
}
