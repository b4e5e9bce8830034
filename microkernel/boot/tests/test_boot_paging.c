/*
 * Host tests of the boot page tables: a software walk over tables built at a
 * pretend physical address checks the identity map, the direct map, the 4 KiB
 * kernel map, what stays unmapped, and the table-count estimate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../loader.h"

#define TABLES_PHYS 0x40000000ULL
#define GIB (1ULL << 30)

static uint64_t *tables;

static uint64_t *table_at(uint64_t phys)
{
    return tables + (phys - TABLES_PHYS) / 8;
}

/* Translate @va through the tables at @pml4; returns ~0 when unmapped. */
static uint64_t walk(uint64_t pml4, uint64_t va)
{
    uint64_t e = pml4;
    int level, shift;

    for (level = 4; level >= 1; level--) {
        shift = 12 + 9 * (level - 1);
        e = table_at(e & 0x000ffffffffff000ULL)[(va >> shift) & 511];
        if (!(e & 1) || !(e & 2) || (e >> 63))
            return ~0ULL;
        if (level == 2 && (e & 0x80))
            return (e & 0x000fffffffe00000ULL) + (va & 0x1fffff);
    }
    return (e & 0x000ffffffffff000ULL) + (va & 0xfff);
}

static uint64_t build(uint64_t top, uint64_t kphys, uint64_t kspan, uint64_t count)
{
    free(tables);
    tables = aligned_alloc(4096, count * 4096);
    memset(tables, 0, count * 4096);
    return paging_build(tables, TABLES_PHYS, count, top, kphys, kspan);
}

static void test_boot_paging_maps_layout(void **state)
{
    uint64_t kspan = 0x403000, count = paging_table_count(4 * GIB, kspan);
    uint64_t pml4 = build(4 * GIB, 0x1234000, kspan, count);

    (void)state;
    assert_int_equal(pml4, TABLES_PHYS);
    assert_int_equal(walk(pml4, 0), 0);
    assert_int_equal(walk(pml4, 0x12345678), 0x12345678);
    assert_int_equal(walk(pml4, 4 * GIB - 1), 4 * GIB - 1);
    assert_int_equal(walk(pml4, 4 * GIB), ~0ULL);
    assert_int_equal(walk(pml4, BOOT_HHDM_BASE + 0xfee00030), 0xfee00030);
    assert_int_equal(walk(pml4, BOOT_HHDM_BASE + 4 * GIB), ~0ULL);
    assert_int_equal(walk(pml4, BOOT_KERNEL_BASE), 0x1234000);
    assert_int_equal(walk(pml4, BOOT_KERNEL_BASE + kspan - 1), 0x1234000 + kspan - 1);
    assert_int_equal(walk(pml4, BOOT_KERNEL_BASE + kspan), ~0ULL);
    assert_int_equal(walk(pml4, BOOT_KERNEL_BASE - 4096), ~0ULL);
}

static void test_boot_paging_large_top_and_count(void **state)
{
    uint64_t top = 1024 * GIB, count = paging_table_count(top, 4096);
    uint64_t pml4 = build(top, 0x5000, 4096, count);

    (void)state;
    assert_int_not_equal(pml4, 0);
    assert_int_equal(walk(pml4, top - 4096), top - 4096);
    assert_int_equal(walk(pml4, BOOT_HHDM_BASE + 700 * GIB), 700 * GIB);
    assert_int_equal(walk(pml4, BOOT_KERNEL_BASE + 8), 0x5008);
    assert_int_equal(build(4 * GIB, 0x5000, 4096, paging_table_count(4 * GIB, 4096) - 1), 0);
    assert_int_equal(build(4 * GIB + 4096, 0, 4096, 16), 0); /* top not GiB aligned */
    free(tables);
    tables = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_paging_maps_layout),
        cmocka_unit_test(test_boot_paging_large_top_and_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
