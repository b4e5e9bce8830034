/*
 * Host tests of the memory-map normalisation: sorting, merging of touching
 * same-type ranges, and fitting an over-long map into the boot_info limit
 * without ever reporting memory as more usable than the firmware said.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../loader.h"

static void test_boot_memrange_sorts_and_merges(void **state)
{
    struct boot_mem_range r[] = {
        {0x5000, 1, BOOT_MEM_FREE, 0},   {0x0, 2, BOOT_MEM_FREE, 0},
        {0x2000, 3, BOOT_MEM_FREE, 0},   {0x6000, 0, BOOT_MEM_MMIO, 0},
        {0x6000, 1, BOOT_MEM_LOADER, 0}, {0x8000, 1, BOOT_MEM_LOADER, 0},
    };
    uint32_t n;

    (void)state;
    memrange_sort(r, 6);
    n = memrange_merge(r, 6);
    assert_int_equal(n, 3);
    assert_int_equal(r[0].base, 0);
    assert_int_equal(r[0].pages, 6);
    assert_int_equal(r[1].base, 0x6000); /* the empty MMIO entry is dropped */
    assert_int_equal(r[1].type, BOOT_MEM_LOADER);
    assert_int_equal(r[2].base, 0x8000); /* a gap keeps same-type ranges apart */
}

/* Is [base, base + pages) of type FREE entirely inside a FREE range of @in? */
static int free_in(const struct boot_mem_range *in, uint32_t n, uint64_t base, uint64_t pages)
{
    uint32_t i;

    for (i = 0; i < n; i++) {
        if (in[i].type == BOOT_MEM_FREE && in[i].base <= base &&
            base + pages * PAGE_SIZE <= in[i].base + in[i].pages * PAGE_SIZE)
            return 1;
    }
    return 0;
}

/*
 * Fit 600 ranges with gaps between them: every @free_every-th one FREE, the
 * others of alternating unusable types. Checks the limit, the order, that
 * FREE output lies inside FREE input, and the lost-page accounting.
 */
static uint64_t fit_and_check(uint32_t free_every)
{
    static const uint32_t unusable[3] = {BOOT_MEM_RESERVED, BOOT_MEM_ACPI_NVS, BOOT_MEM_MMIO};
    static struct boot_mem_range in[600], r[600];
    uint64_t lost, freed_in = 0, freed_out = 0;
    uint32_t i, n;

    for (i = 0; i < 600; i++) {
        in[i].base = i * 16 * PAGE_SIZE + (i % 7 == 0 ? PAGE_SIZE : 0);
        in[i].pages = 1 + i % 12;
        in[i].type = i % free_every ? unusable[i % 3] : BOOT_MEM_FREE;
        if (in[i].type == BOOT_MEM_FREE)
            freed_in += in[i].pages;
    }
    memcpy(r, in, sizeof(in));
    n = memrange_merge(r, 600);
    n = memrange_fit(r, n, BOOT_MAX_MEM_RANGES, &lost);
    assert_true(n <= BOOT_MAX_MEM_RANGES);
    for (i = 0; i < n; i++) {
        if (i > 0)
            assert_true(r[i].base >= r[i - 1].base + r[i - 1].pages * PAGE_SIZE);
        if (r[i].type == BOOT_MEM_FREE) {
            assert_true(free_in(in, 600, r[i].base, r[i].pages));
            freed_out += r[i].pages;
        }
    }
    assert_int_equal(freed_out + lost, freed_in);
    return lost;
}

static void test_boot_memrange_fit_is_safe(void **state)
{
    (void)state;
    /* Runs of unusable ranges can absorb the excess: no free page is lost. */
    assert_int_equal(fit_and_check(10), 0);
    /* Strictly alternating: some free memory must go, but the limit holds. */
    assert_true(fit_and_check(2) > 0);
}

static void test_boot_memrange_fit_keeps_short_map(void **state)
{
    struct boot_mem_range r[] = {{0, 4, BOOT_MEM_FREE, 0}, {0x8000, 4, BOOT_MEM_MMIO, 0}};
    uint64_t lost;

    (void)state;
    assert_int_equal(memrange_fit(r, 2, 2, &lost), 2);
    assert_int_equal(lost, 0);
    assert_int_equal(memrange_fit(r, 2, 1, &lost), 1);
    assert_int_equal(r[0].type, BOOT_MEM_RESERVED);
    assert_int_equal(r[0].pages, 12);
    assert_int_equal(lost, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_memrange_sorts_and_merges),
        cmocka_unit_test(test_boot_memrange_fit_is_safe),
        cmocka_unit_test(test_boot_memrange_fit_keeps_short_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
