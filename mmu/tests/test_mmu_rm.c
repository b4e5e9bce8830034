/*
 * Host tests of mmu_rm_collect: the referenced and modified bits it reports,
 * clearing them with the right TLB consequence (invlpg for the current space
 * or the global kernel half, a stale mark for another PCID space), and that
 * it skips missing tables instead of walking every page from the root. The
 * tests play the CPU by setting A/D in the simulated PTEs (x86 bit positions).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "mmu_fake.h"

#define BASE 0x0000000010000000ULL
#define FRAME 0x0000000200000000ULL

static struct mmu_space space;

/* Four mapped pages at BASE: untouched, referenced, referenced+modified, untouched. */
static void map_four_pages(void)
{
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(mmu_map(&space, BASE + i * PAGE_SIZE, FRAME + i * PAGE_SIZE, 3), MMU_OK);
    *fake_pte(space.root, BASE + PAGE_SIZE) |= PTE_A;
    *fake_pte(space.root, BASE + 2 * PAGE_SIZE) |= PTE_A | PTE_D;
}

static int setup_no_pcid(void **state)
{
    (void)state;
    fake_setup(false, false);
    assert_int_equal(mmu_space_create(&space), MMU_OK);
    map_four_pages();
    return 0;
}

static int setup_pcid(void **state)
{
    (void)state;
    fake_setup(true, true);
    assert_int_equal(mmu_space_create(&space), MMU_OK);
    map_four_pages();
    return 0;
}

static void assert_four_pages_bits(const uint8_t *bits)
{
    assert_int_equal(bits[0], MMU_BIT_PRESENT);
    assert_int_equal(bits[1], MMU_BIT_PRESENT | MMU_BIT_REF);
    assert_int_equal(bits[2], MMU_BIT_PRESENT | MMU_BIT_REF | MMU_BIT_MOD);
    assert_int_equal(bits[3], MMU_BIT_PRESENT);
    assert_int_equal(bits[4], 0);
    assert_int_equal(bits[5], 0);
}

static void test_collect_reports_without_clearing(void **state)
{
    uint8_t bits[6];
    (void)state;

    assert_int_equal(mmu_rm_collect(&space, BASE, 6, bits, false), 4);
    assert_four_pages_bits(bits);
    assert_true(*fake_pte(space.root, BASE + 2 * PAGE_SIZE) & PTE_D);
    assert_int_equal(mmu_rm_collect(&space, BASE, 6, bits, false), 4);
    assert_four_pages_bits(bits);
    assert_int_equal(fake_hw.invlpgs, 0);
}

static void test_collect_clear_current_invalidates(void **state)
{
    uint8_t bits[6];
    (void)state;

    mmu_switch(&space);
    assert_int_equal(mmu_rm_collect(&space, BASE, 6, bits, true), 4);
    assert_four_pages_bits(bits);
    assert_false(*fake_pte(space.root, BASE + PAGE_SIZE) & (PTE_A | PTE_D));
    assert_false(*fake_pte(space.root, BASE + 2 * PAGE_SIZE) & (PTE_A | PTE_D));
    assert_true(*fake_pte(space.root, BASE + 2 * PAGE_SIZE) & PTE_P);
    /* Only the pages whose bits were set can be cached with them. */
    assert_int_equal(fake_hw.invlpgs, 2);
    assert_true(fake_hw_invlpg_seen(BASE + PAGE_SIZE));
    assert_true(fake_hw_invlpg_seen(BASE + 2 * PAGE_SIZE));
    assert_false(space.tlb_stale & 1);
    assert_int_equal(mmu_rm_collect(&space, BASE, 6, bits, false), 4);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(bits[i], MMU_BIT_PRESENT);
}

static void test_collect_clear_other_pcid_space_marks_stale(void **state)
{
    uint8_t bits[6];
    (void)state;

    mmu_switch(&space);
    mmu_switch(mmu_kernel_space());
    assert_false(space.tlb_stale & 1);
    assert_int_equal(mmu_rm_collect(&space, BASE, 6, bits, true), 4);
    assert_int_equal(fake_hw.invlpgs, 0);
    assert_true(space.tlb_stale & 1);
    mmu_switch(&space);
    assert_int_equal(fake_hw.cr3, space.root | space.pcid); /* flushing switch */
    assert_false(space.tlb_stale & 1);
}

static void test_collect_clear_other_space_without_pcid(void **state)
{
    uint8_t bits[6];
    (void)state;

    assert_int_equal(mmu_rm_collect(&space, BASE, 6, bits, true), 4);
    assert_int_equal(fake_hw.invlpgs, 0);
    assert_false(space.tlb_stale & 1); /* every switch flushes anyway */
    assert_false(*fake_pte(space.root, BASE + 2 * PAGE_SIZE) & (PTE_A | PTE_D));
}

static void test_collect_skips_missing_tables(void **state)
{
    size_t npages = 1u << 20; /* 4 GiB, mostly without tables */
    vaddr_t far = BASE + (npages - 1) * PAGE_SIZE;
    uint8_t *bits = malloc(npages);
    (void)state;

    assert_non_null(bits);
    assert_int_equal(mmu_map(&space, far, FRAME, 3), MMU_OK);
    *fake_pte(space.root, far) |= PTE_D;
    unsigned lookups = fake_env_stats().lookups;
    assert_int_equal(mmu_rm_collect(&space, BASE, npages, bits, false), 5);
    /*
     * One walk per PT or hole of the largest missing level: 384 + 3 + 128
     * steps of at most 4 table visits. Stepping by PD entry everywhere would
     * need 2048 steps, per page from the root 3 million visits.
     */
    assert_true(fake_env_stats().lookups - lookups < 2200);
    assert_four_pages_bits(bits);
    assert_int_equal(bits[npages - 1], MMU_BIT_PRESENT | MMU_BIT_MOD);
    size_t set = 0;
    for (size_t i = 0; i < npages; i++)
        set += bits[i] != 0;
    assert_int_equal(set, 5);
    free(bits);
}

static void test_collect_sparse_across_pml4_slots(void **state)
{
    vaddr_t start = 0x00007f0000000000ULL - 4 * PAGE_SIZE; /* crosses a PML4 boundary */
    uint8_t bits[8];
    (void)state;

    assert_int_equal(mmu_map(&space, start + PAGE_SIZE, FRAME, 3), MMU_OK);
    assert_int_equal(mmu_map(&space, start + 6 * PAGE_SIZE, FRAME, 3), MMU_OK);
    assert_int_equal(mmu_rm_collect(&space, start, 8, bits, false), 2);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(bits[i], (i == 1 || i == 6) ? MMU_BIT_PRESENT : 0);
}

static void test_collect_range_errors(void **state)
{
    uint8_t bits[4] = {9, 9, 9, 9};
    (void)state;

    assert_int_equal(mmu_rm_collect(&space, 0xffffc00000000000ULL, 4, bits, true), 0);
    assert_int_equal(bits[0] | bits[1] | bits[2] | bits[3], 0);
    /* Running past the end of the user half. */
    assert_int_equal(mmu_rm_collect(&space, MMU_USER_TOP - 2 * PAGE_SIZE, 4, bits, false), 0);
    assert_int_equal(mmu_rm_collect(&space, BASE + 1, 4, bits, false), 0);
    assert_true(*fake_pte(space.root, BASE + PAGE_SIZE) & PTE_A);
}

static void test_collect_large_kernel_leaf(void **state)
{
    struct mmu_space *k = mmu_kernel_space();
    struct fake_loader l = fake_setup(true, true);
    uint8_t bits[4];
    (void)state;

    assert_int_equal(mmu_space_create(&space), MMU_OK);
    mmu_switch(&space); /* so the kernel space is not current */

    /* The CPU used and wrote the 2 MiB leaf for physical 2..4 MiB. */
    fake_table(l.pd)[1] |= PTE_A | PTE_D;
    vaddr_t va = MMU_KERNEL_BOTTOM + 0x200000 - 2 * PAGE_SIZE;
    assert_int_equal(mmu_rm_collect(k, va, 4, bits, true), 4);
    assert_int_equal(bits[0], MMU_BIT_PRESENT);
    assert_int_equal(bits[1], MMU_BIT_PRESENT);
    assert_int_equal(bits[2], MMU_BIT_PRESENT | MMU_BIT_REF | MMU_BIT_MOD);
    assert_int_equal(bits[3], MMU_BIT_PRESENT | MMU_BIT_REF | MMU_BIT_MOD);
    assert_false(fake_table(l.pd)[1] & (PTE_A | PTE_D));
    assert_true(fake_table(l.pd)[1] & PTE_PS);
    assert_int_equal(fake_hw.invlpgs, 1); /* global: invalidated although not current */
    assert_true(fake_hw_invlpg_seen(va + 2 * PAGE_SIZE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_collect_reports_without_clearing, setup_no_pcid),
        cmocka_unit_test_setup(test_collect_clear_current_invalidates, setup_pcid),
        cmocka_unit_test_setup(test_collect_clear_current_invalidates, setup_no_pcid),
        cmocka_unit_test_setup(test_collect_clear_other_pcid_space_marks_stale, setup_pcid),
        cmocka_unit_test_setup(test_collect_clear_other_space_without_pcid, setup_no_pcid),
        cmocka_unit_test_setup(test_collect_skips_missing_tables, setup_no_pcid),
        cmocka_unit_test_setup(test_collect_sparse_across_pml4_slots, setup_no_pcid),
        cmocka_unit_test_setup(test_collect_range_errors, setup_no_pcid),
        cmocka_unit_test(test_collect_large_kernel_leaf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
