/*
 * Host tests of mmu_map, mmu_query, mmu_unmap and mmu_protect: the PTE bits a
 * protection turns into, the two halves and their range checks, the loader's
 * 2 MiB leaves, and that running out of table frames halfway leaks nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "mmu_fake.h"

#define USER_VA 0x0000000000400000ULL
#define KERN_VA 0xffffc00000000000ULL /* kernel half, outside the direct map */
#define FRAME 0x0000000123456000ULL   /* a data frame: never dereferenced */

static struct mmu_space space;
static struct fake_loader l;

static int setup_user(void **state)
{
    (void)state;
    l = fake_setup(false, false);
    assert_int_equal(mmu_space_create(&space), MMU_OK);
    return 0;
}

static void test_map_user_round_trip(void **state)
{
    struct mmu_mapping m;
    paddr_t pa = 0;
    unsigned bits = 0xff;
    (void)state;

    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ | MMU_PROT_WRITE), MMU_OK);
    assert_int_equal(mmu_query(&space, USER_VA, &m), MMU_OK);
    assert_int_equal(m.pa, FRAME);
    assert_int_equal(m.prot, MMU_PROT_READ | MMU_PROT_WRITE);
    assert_int_equal(m.bits, MMU_BIT_PRESENT);
    uint64_t pte = *fake_pte(space.root, USER_VA);
    assert_int_equal(pte & PTE_ADDR, FRAME);
    assert_true((pte & (PTE_P | PTE_RW | PTE_US | PTE_NX)) == (PTE_P | PTE_RW | PTE_US | PTE_NX));
    assert_false(pte & PTE_G);

    assert_int_equal(mmu_unmap(&space, USER_VA, &pa, &bits), MMU_OK);
    assert_int_equal(pa, FRAME);
    assert_int_equal(bits, MMU_BIT_PRESENT);
    assert_int_equal(mmu_query(&space, USER_VA, &m), MMU_ERR_NOTMAPPED);
    assert_int_equal(*fake_pte(space.root, USER_VA), 0);
    assert_int_equal(mmu_unmap(&space, USER_VA, NULL, NULL), MMU_ERR_NOTMAPPED);
}

static void test_map_exec_readonly_and_nocache(void **state)
{
    struct mmu_mapping m;
    (void)state;

    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ | MMU_PROT_EXEC), MMU_OK);
    uint64_t pte = *fake_pte(space.root, USER_VA);
    assert_false(pte & PTE_NX);
    assert_false(pte & PTE_RW);
    assert_int_equal(mmu_query(&space, USER_VA, &m), MMU_OK);
    assert_int_equal(m.prot, MMU_PROT_READ | MMU_PROT_EXEC);

    vaddr_t dev = USER_VA + PAGE_SIZE;
    assert_int_equal(mmu_map(&space, dev, FRAME, MMU_PROT_READ | MMU_PROT_NOCACHE), MMU_OK);
    pte = *fake_pte(space.root, dev);
    assert_true((pte & (PTE_PCD | PTE_PWT)) == (PTE_PCD | PTE_PWT));
    assert_int_equal(mmu_query(&space, dev, &m), MMU_OK);
    assert_int_equal(m.prot, MMU_PROT_READ | MMU_PROT_NOCACHE);
}

/* mmu_user_frame finds only what user code could touch without a fault. */
static void test_user_frame(void **state)
{
    const vaddr_t ro = USER_VA + PAGE_SIZE, dev = USER_VA + 2 * PAGE_SIZE;
    paddr_t pa = 0;
    (void)state;

    assert_false(mmu_user_frame(&space, USER_VA, false, &pa)); /* no tables yet */
    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ | MMU_PROT_WRITE), MMU_OK);
    assert_int_equal(mmu_map(&space, ro, FRAME + PAGE_SIZE, MMU_PROT_READ), MMU_OK);
    assert_int_equal(mmu_map(&space, dev, FRAME, MMU_PROT_READ | MMU_PROT_NOCACHE), MMU_OK);
    assert_true(mmu_user_frame(&space, USER_VA + 5, true, &pa));
    assert_int_equal(pa, FRAME);
    assert_true(mmu_user_frame(&space, ro, false, &pa));
    assert_int_equal(pa, FRAME + PAGE_SIZE);
    assert_false(mmu_user_frame(&space, ro, true, &pa));                       /* read-only */
    assert_false(mmu_user_frame(&space, dev, false, &pa));                     /* device memory */
    assert_false(mmu_user_frame(&space, USER_VA + 3 * PAGE_SIZE, false, &pa)); /* no leaf */
    assert_false(mmu_user_frame(&space, MMU_USER_TOP, false, &pa));
    assert_false(mmu_user_frame(&space, KERN_VA, false, &pa));
    assert_false(mmu_user_frame(mmu_kernel_space(), KERN_VA, false, &pa));
}

/*
 * mmu_user_frame remembers the last page table it reached: a look in the
 * same 2 MiB reads the live leaf (a change of the mapping shows at once),
 * and a table that mmu_trim freed is never read again.
 */
static void test_user_frame_cached_table(void **state)
{
    const vaddr_t next = USER_VA + PAGE_SIZE, far = USER_VA + 0x200000;
    paddr_t pa = 0;
    (void)state;

    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ | MMU_PROT_WRITE), MMU_OK);
    assert_true(mmu_user_frame(&space, USER_VA, true, &pa));
    assert_non_null(space.pt_last);
    assert_false(mmu_user_frame(&space, next, false, &pa)); /* same table, no leaf */
    assert_int_equal(mmu_map(&space, next, FRAME + PAGE_SIZE, MMU_PROT_READ), MMU_OK);
    assert_true(mmu_user_frame(&space, next, false, &pa)); /* the new leaf is seen */
    assert_int_equal(pa, FRAME + PAGE_SIZE);
    assert_false(mmu_user_frame(&space, next, true, &pa)); /* read-only */
    assert_int_equal(mmu_protect(&space, next, MMU_PROT_READ | MMU_PROT_WRITE), MMU_OK);
    assert_true(mmu_user_frame(&space, next, true, &pa));  /* the new protection is seen */
    assert_false(mmu_user_frame(&space, far, false, &pa)); /* another 2 MiB: no table */
    assert_true(mmu_user_frame(&space, USER_VA, false, &pa));
    /* Everything unmapped and trimmed: the remembered table is gone. */
    assert_int_equal(mmu_unmap(&space, USER_VA, NULL, NULL), MMU_OK);
    assert_int_equal(mmu_unmap(&space, next, NULL, NULL), MMU_OK);
    assert_true(mmu_trim(&space, USER_VA, 2, 0, MMU_USER_TOP) > 0);
    assert_null(space.pt_last);
    assert_false(mmu_user_frame(&space, USER_VA, false, &pa));
    assert_int_equal(mmu_map(&space, USER_VA, FRAME + 2 * PAGE_SIZE, MMU_PROT_READ), MMU_OK);
    assert_true(mmu_user_frame(&space, USER_VA, false, &pa));
    assert_int_equal(pa, FRAME + 2 * PAGE_SIZE);
}

static void test_map_intermediate_tables_user(void **state)
{
    (void)state;
    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ), MMU_OK);
    assert_int_equal(space.tables, 4); /* root, PDPT, PD, PT */
    uint64_t pml4e = fake_table(space.root)[0];
    assert_true((pml4e & (PTE_P | PTE_RW | PTE_US)) == (PTE_P | PTE_RW | PTE_US));
    assert_false(pml4e & PTE_NX);
    /* A second page in the same PT needs no new table. */
    assert_int_equal(mmu_map(&space, USER_VA + PAGE_SIZE, FRAME, MMU_PROT_READ), MMU_OK);
    assert_int_equal(space.tables, 4);
}

/*
 * mmu_trim frees only the tables whose whole span lies in the gap the
 * caller says maps nothing: a table shared with a neighbour stays (and is
 * reused by the next mapping), and goes once the gap covers it.
 */
static void test_trim_frees_tables_in_the_gap(void **state)
{
    const vaddr_t other = USER_VA + 16 * PAGE_SIZE; /* a neighbour in the same 2 MiB */

    (void)state;
    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ), MMU_OK);
    assert_int_equal(mmu_map(&space, other, FRAME, MMU_PROT_READ), MMU_OK);
    assert_int_equal(mmu_unmap(&space, USER_VA, NULL, NULL), MMU_OK);
    /* The gap ends at the neighbour: every table reaches outside it. */
    assert_int_equal(mmu_trim(&space, USER_VA, 1, USER_VA, other), 0);
    assert_int_equal(space.tables, 4);
    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ), MMU_OK);
    assert_int_equal(space.tables, 4); /* the kept PT is used again */
    assert_int_equal(mmu_unmap(&space, USER_VA, NULL, NULL), MMU_OK);
    assert_int_equal(mmu_unmap(&space, other, NULL, NULL), MMU_OK);
    /* A gap of exactly the unmapped page frees nothing either. */
    assert_int_equal(mmu_trim(&space, other, 1, other, other + PAGE_SIZE), 0);
    /* A gap over the PT's 2 MiB frees it alone; over everything, PD and PDPT go too. */
    assert_int_equal(mmu_trim(&space, other, 1, 0x200000, 0x400000 + 0x200000), 1);
    assert_int_equal(space.tables, 3);
    assert_int_equal(mmu_map(&space, other, FRAME, MMU_PROT_READ), MMU_OK);
    assert_int_equal(mmu_unmap(&space, other, NULL, NULL), MMU_OK);
    assert_int_equal(mmu_trim(&space, other, 1, 0, MMU_USER_TOP), 3);
    assert_int_equal(space.tables, 1);
    assert_int_equal(fake_table(space.root)[0], 0);
}

static void test_map_kernel_half_global(void **state)
{
    struct mmu_space *k = mmu_kernel_space();
    struct mmu_mapping m;
    (void)state;

    assert_int_equal(mmu_map(k, KERN_VA, FRAME, MMU_PROT_READ | MMU_PROT_WRITE), MMU_OK);
    uint64_t pte = *fake_pte(k->root, KERN_VA);
    assert_true((pte & (PTE_P | PTE_RW | PTE_G | PTE_NX)) == (PTE_P | PTE_RW | PTE_G | PTE_NX));
    assert_false(pte & PTE_US);
    uint64_t pml4e = fake_table(k->root)[pte_index(KERN_VA, 4)];
    assert_false(pml4e & PTE_US);
    /* The user space created before the mapping sees it: the kernel half is shared. */
    assert_int_equal(mmu_query(&space, KERN_VA, &m), MMU_OK);
    assert_int_equal(m.pa, FRAME);
    assert_int_equal(mmu_unmap(k, KERN_VA, NULL, NULL), MMU_OK);
    assert_int_equal(mmu_query(&space, KERN_VA, &m), MMU_ERR_NOTMAPPED);
}

static void test_map_existing_page(void **state)
{
    struct mmu_mapping m;
    (void)state;

    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ), MMU_OK);
    assert_int_equal(mmu_map(&space, USER_VA, FRAME + PAGE_SIZE, MMU_PROT_WRITE), MMU_ERR_EXISTS);
    assert_int_equal(mmu_query(&space, USER_VA, &m), MMU_OK);
    assert_int_equal(m.pa, FRAME);
    assert_int_equal(m.prot, MMU_PROT_READ);
}

static void test_map_range_errors(void **state)
{
    struct mmu_space *k = mmu_kernel_space();
    struct mmu_mapping m;
    (void)state;

    unsigned before = fake_env_stats().allocs;
    assert_int_equal(mmu_map(&space, 0x0000800000000000ULL, FRAME, 1), MMU_ERR_RANGE);
    assert_int_equal(mmu_map(&space, 0x00ff000000000000ULL, FRAME, 1), MMU_ERR_RANGE);
    assert_int_equal(mmu_map(&space, 0xffff7ffffffff000ULL, FRAME, 1), MMU_ERR_RANGE);
    assert_int_equal(mmu_map(&space, KERN_VA, FRAME, 1), MMU_ERR_RANGE); /* user into kernel */
    assert_int_equal(mmu_map(k, USER_VA, FRAME, 1), MMU_ERR_RANGE);      /* kernel into user */
    assert_int_equal(mmu_map(&space, USER_VA + 8, FRAME, 1), MMU_ERR_RANGE);
    assert_int_equal(mmu_map(&space, USER_VA, FRAME + 8, 1), MMU_ERR_RANGE);
    assert_int_equal(mmu_map(&space, USER_VA, 1ULL << 52, 1), MMU_ERR_RANGE);
    assert_int_equal(fake_env_stats().allocs, before);

    assert_int_equal(mmu_query(&space, 0x0000800000000000ULL, &m), MMU_ERR_RANGE);
    assert_int_equal(mmu_query(&space, USER_VA + 1, &m), MMU_ERR_RANGE);
    assert_int_equal(mmu_unmap(&space, KERN_VA, NULL, NULL), MMU_ERR_RANGE);
    assert_int_equal(mmu_unmap(&space, 0x0000900000000000ULL, NULL, NULL), MMU_ERR_RANGE);
    assert_int_equal(mmu_protect(&space, KERN_VA, MMU_PROT_READ), MMU_ERR_RANGE);
    assert_int_equal(mmu_protect(k, USER_VA, MMU_PROT_READ), MMU_ERR_RANGE);
}

static void test_protect_keeps_frame_and_rm_bits(void **state)
{
    struct mmu_mapping m;
    (void)state;

    assert_int_equal(mmu_protect(&space, USER_VA, MMU_PROT_READ), MMU_ERR_NOTMAPPED);
    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ | MMU_PROT_WRITE), MMU_OK);
    *fake_pte(space.root, USER_VA) |= PTE_A | PTE_D; /* the CPU touched and wrote the page */
    assert_int_equal(mmu_protect(&space, USER_VA, MMU_PROT_READ | MMU_PROT_EXEC), MMU_OK);
    uint64_t pte = *fake_pte(space.root, USER_VA);
    assert_false(pte & (PTE_RW | PTE_NX));
    assert_int_equal(mmu_query(&space, USER_VA, &m), MMU_OK);
    assert_int_equal(m.pa, FRAME);
    assert_int_equal(m.prot, MMU_PROT_READ | MMU_PROT_EXEC);
    assert_int_equal(m.bits, MMU_BIT_PRESENT | MMU_BIT_REF | MMU_BIT_MOD);
}

static void test_change_current_space_invalidates(void **state)
{
    (void)state;
    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ), MMU_OK);
    mmu_switch(&space);
    assert_int_equal(fake_hw.invlpgs, 0);
    assert_int_equal(mmu_protect(&space, USER_VA, MMU_PROT_READ | MMU_PROT_WRITE), MMU_OK);
    assert_int_equal(fake_hw.invlpgs, 1);
    assert_int_equal(fake_hw.invlpg[0], USER_VA);
    assert_int_equal(mmu_unmap(&space, USER_VA, NULL, NULL), MMU_OK);
    assert_int_equal(fake_hw.invlpgs, 2);
    assert_int_equal(fake_hw.invlpg[1], USER_VA);
}

static void test_unmap_reports_rm_bits(void **state)
{
    unsigned bits = 0;
    (void)state;

    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ | MMU_PROT_WRITE), MMU_OK);
    *fake_pte(space.root, USER_VA) |= PTE_D;
    assert_int_equal(mmu_unmap(&space, USER_VA, NULL, &bits), MMU_OK);
    assert_int_equal(bits, MMU_BIT_PRESENT | MMU_BIT_MOD);
}

static void test_large_kernel_leaf(void **state)
{
    struct mmu_space *k = mmu_kernel_space();
    struct mmu_mapping m;
    vaddr_t direct = MMU_KERNEL_BOTTOM; /* the loader's direct map of physical 0 */
    (void)state;

    assert_int_equal(mmu_query(k, direct + 0x201000, &m), MMU_OK);
    assert_int_equal(m.pa, 0x201000);
    assert_int_equal(m.prot, MMU_PROT_READ | MMU_PROT_WRITE | MMU_PROT_EXEC);
    assert_int_equal(m.bits, MMU_BIT_PRESENT);
    assert_int_equal(mmu_query(&space, direct + 0x3ff000, &m), MMU_OK);
    assert_int_equal(m.pa, 0x3ff000);
    fake_table(l.pd)[2] |= 1ULL << 12; /* PAT bit of a 2 MiB leaf: not an address bit */
    assert_int_equal(mmu_query(k, direct + 0x403000, &m), MMU_OK);
    assert_int_equal(m.pa, 0x403000);
    unsigned before = fake_env_stats().allocs;
    assert_int_equal(mmu_map(k, direct + 0x1000, FRAME, MMU_PROT_READ), MMU_ERR_EXISTS);
    assert_int_equal(fake_env_stats().allocs, before);
    /* Part of a 2 MiB page cannot be unmapped or reprotected. */
    assert_int_equal(mmu_unmap(k, direct + 0x1000, NULL, NULL), MMU_ERR_RANGE);
    assert_int_equal(mmu_protect(k, direct + 0x1000, MMU_PROT_READ), MMU_ERR_RANGE);
    assert_int_equal(mmu_query(k, direct + (LOADER_DIRECT_PAGES << 21), &m), MMU_ERR_NOTMAPPED);
}

static void test_map_out_of_memory_leaks_nothing(void **state)
{
    struct mmu_mapping m;
    (void)state;

    /* An empty space needs PDPT, PD and PT: fail after 0, 1 and 2 of them. */
    for (int k = 0; k < 3; k++) {
        struct fake_env_stats before = fake_env_stats();
        fake_env_fail_after(k);
        assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ), MMU_ERR_NOMEM);
        fake_env_fail_after(-1);
        assert_int_equal(fake_env_stats().live, before.live);
        assert_int_equal(space.tables, 1);
        assert_int_equal(fake_table(space.root)[0], 0);
        assert_int_equal(mmu_query(&space, USER_VA, &m), MMU_ERR_NOTMAPPED);
    }
    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ), MMU_OK);
    assert_int_equal(space.tables, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_map_user_round_trip, setup_user),
        cmocka_unit_test_setup(test_map_exec_readonly_and_nocache, setup_user),
        cmocka_unit_test_setup(test_map_intermediate_tables_user, setup_user),
        cmocka_unit_test_setup(test_trim_frees_tables_in_the_gap, setup_user),
        cmocka_unit_test_setup(test_map_kernel_half_global, setup_user),
        cmocka_unit_test_setup(test_map_existing_page, setup_user),
        cmocka_unit_test_setup(test_map_range_errors, setup_user),
        cmocka_unit_test_setup(test_protect_keeps_frame_and_rm_bits, setup_user),
        cmocka_unit_test_setup(test_change_current_space_invalidates, setup_user),
        cmocka_unit_test_setup(test_unmap_reports_rm_bits, setup_user),
        cmocka_unit_test_setup(test_large_kernel_leaf, setup_user),
        cmocka_unit_test_setup(test_map_out_of_memory_leaks_nothing, setup_user),
        cmocka_unit_test_setup(test_user_frame, setup_user),
        cmocka_unit_test_setup(test_user_frame_cached_table, setup_user),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
