/*
 * Host tests of the loader's kernel ELF checks and copy: a synthetic image
 * with a text and a bss segment loads to the right offsets, and each header
 * or segment defect is refused before anything is copied.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../loader.h"

#define IMG_SIZE 0x3000

struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static uint8_t img[IMG_SIZE];

static struct phdr *ph(int i)
{
    return (struct phdr *)(img + 64 + i * sizeof(struct phdr));
}

/* Text: file 0x1000..0x1100 at BASE+0x1000; bss: 0x2000 bytes at BASE+0x4000. */
static void make_image(void)
{
    uint64_t entry = BOOT_KERNEL_BASE + 0x1000;
    uint16_t v16;
    uint32_t v32;

    memset(img, 0, sizeof(img));
    memcpy(img,
           "\x7f"
           "ELF\x02\x01\x01",
           7);
    v16 = 2, memcpy(img + 16, &v16, 2);  /* ET_EXEC */
    v16 = 62, memcpy(img + 18, &v16, 2); /* EM_X86_64 */
    v32 = 1, memcpy(img + 20, &v32, 4);
    memcpy(img + 24, &entry, 8);
    img[32] = 64;                        /* phoff */
    v16 = 56, memcpy(img + 54, &v16, 2); /* phentsize */
    v16 = 2, memcpy(img + 56, &v16, 2);  /* phnum */
    *ph(0) = (struct phdr){1, 5, 0x1000, BOOT_KERNEL_BASE + 0x1000, 0, 0x100, 0x100, 0x1000};
    *ph(1) = (struct phdr){1, 6, 0, BOOT_KERNEL_BASE + 0x4000, 0, 0, 0x2000, 0x1000};
    memset(img + 0x1000, 0xab, 0x100);
}

static void test_boot_elf_loads_segments(void **state)
{
    static uint8_t dest[0x6000];
    struct elf_kernel k;

    (void)state;
    make_image();
    assert_null(elf_kernel_check(img, IMG_SIZE, &k));
    assert_int_equal(k.span, 0x6000);
    assert_int_equal(k.entry, BOOT_KERNEL_BASE + 0x1000);
    assert_int_equal(k.load_count, 2);
    elf_kernel_copy(img, dest);
    assert_int_equal(dest[0xfff], 0);
    assert_int_equal(dest[0x1000], 0xab);
    assert_int_equal(dest[0x10ff], 0xab);
    assert_int_equal(dest[0x1100], 0);
}

static void expect_reject(const char *part)
{
    struct elf_kernel k;
    const char *err = elf_kernel_check(img, IMG_SIZE, &k);

    assert_non_null(err);
    assert_non_null(strstr(err, part));
    make_image();
}

static void test_boot_elf_rejects_defects(void **state)
{
    (void)state;
    make_image();
    img[1] = 'X', expect_reject("not an ELF");
    img[4] = 1, expect_reject("ELF64");
    img[16] = 3, expect_reject("ET_EXEC");
    img[54] = 32, expect_reject("program headers");
    img[32] = 0xf0, img[33] = 0x2f, expect_reject("outside the file");
    ph(0)->vaddr = 0x1000, expect_reject("below BOOT_KERNEL_BASE");
    ph(0)->filesz = 0x200, expect_reject("filesz > memsz");
    ph(0)->offset = IMG_SIZE - 0x80, expect_reject("outside the file");
    ph(1)->memsz = 0x80000000, expect_reject("past the end");
    ph(1)->vaddr = ~0ULL - 0xfff, expect_reject("past the end");
    img[24] = 0, img[25] = 0x70, expect_reject("entry point");
    ph(0)->type = ph(1)->type = 4, expect_reject("no loadable");
    assert_non_null(elf_kernel_check(img, 40, &(struct elf_kernel){0}));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_elf_loads_segments),
        cmocka_unit_test(test_boot_elf_rejects_defects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
