/*
 * Host tests of address-space lifecycle: mmu_init adopting the loader's
 * tables, creating spaces that share the kernel half, destroying them with
 * every table freed, PCID allocation and the CR3 values mmu_switch loads with
 * and without PCIDs, including the flush owed after a change to a
 * non-current space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "mmu_fake.h"

#define FRAME 0x0000000300000000ULL
#define MAX_PCID 4095u

static void test_init_adopts_loader_tables(void **state)
{
    (void)state;
    fake_env_reset();
    fake_hw_reset(false);
    struct fake_loader l = fake_loader_build();
    assert_int_equal(mmu_init(l.pml4, true), MMU_OK);

    uint64_t *pml4 = fake_table(l.pml4);
    for (unsigned i = 0; i < 256; i++)
        assert_int_equal(pml4[i], 0);
    for (unsigned i = 256; i < 512; i++)
        assert_true(pml4[i] & PTE_P);
    assert_int_equal(pml4[256] & PTE_ADDR, l.pdpt); /* the loader's slot is kept */
    /* The identity map's tables are shared with the direct map: not freed. */
    assert_int_equal(fake_env_stats().frees, 0);
    assert_true(fake_env_is_live(l.pdpt));
    assert_int_equal(fake_env_stats().allocs, 3 + 255);

    struct mmu_space *k = mmu_kernel_space();
    assert_int_equal(k->root, l.pml4);
    assert_true(k->is_kernel);
    assert_int_equal(k->pcid, 0);
    assert_int_equal(k->tables, 1 + 255);
    assert_ptr_equal(mmu_current(), k);
    assert_int_equal(fake_hw.cr3, l.pml4);
    assert_false(mmu_pcid_enabled()); /* the CPU has none */
    assert_false(fake_hw.pcid_enabled);
}

static void test_init_pcid_choice(void **state)
{
    (void)state;
    fake_setup(true, true);
    assert_true(mmu_pcid_enabled());
    assert_true(fake_hw.pcid_enabled);
    fake_setup(true, false);
    assert_false(mmu_pcid_enabled());
    assert_false(fake_hw.pcid_enabled);
}

static void test_init_out_of_memory_changes_nothing(void **state)
{
    (void)state;
    fake_env_reset();
    fake_hw_reset(true);
    struct fake_loader l = fake_loader_build();
    struct fake_env_stats before = fake_env_stats();
    fake_env_fail_after(100);
    assert_int_equal(mmu_init(l.pml4, true), MMU_ERR_NOMEM);
    assert_int_equal(fake_env_stats().live, before.live);
    assert_true(fake_table(l.pml4)[0] & PTE_P);
    assert_int_equal(fake_table(l.pml4)[300], 0);
    assert_int_equal(fake_hw.cr3_writes, 0);
    assert_false(fake_hw.pcid_enabled);
}

static void test_create_shares_kernel_half(void **state)
{
    struct mmu_space s;
    struct mmu_mapping m;
    (void)state;

    fake_setup(false, false);
    struct mmu_space *k = mmu_kernel_space();
    assert_int_equal(mmu_space_create(&s), MMU_OK);
    assert_int_equal(s.tables, 1);
    assert_false(s.is_kernel);
    assert_int_equal(s.pcid, 0);
    assert_false(s.tlb_stale & 1);
    for (unsigned i = 0; i < 256; i++)
        assert_int_equal(fake_table(s.root)[i], 0);
    for (unsigned i = 256; i < 512; i++)
        assert_int_equal(fake_table(s.root)[i], fake_table(k->root)[i]);
    /* A kernel mapping made later in a fresh PML4 slot shows in the user space. */
    vaddr_t kva = 0xfffff00000000000ULL;
    assert_int_equal(mmu_map(k, kva, FRAME, MMU_PROT_READ), MMU_OK);
    assert_int_equal(mmu_query(&s, kva, &m), MMU_OK);
    assert_int_equal(m.pa, FRAME);
}

static void test_create_out_of_memory(void **state)
{
    struct mmu_space s;
    (void)state;

    fake_setup(true, true);
    fake_env_fail_after(0);
    assert_int_equal(mmu_space_create(&s), MMU_ERR_NOMEM);
    fake_env_fail_after(-1);
    assert_int_equal(mmu_space_create(&s), MMU_OK);
    assert_int_equal(s.pcid, 1); /* the failed attempt took no PCID */
}

struct leaf_log {
    unsigned calls;
    vaddr_t va[16];
    paddr_t pa[16];
};

static void record_leaf(void *ctx, vaddr_t va, paddr_t pa)
{
    struct leaf_log *log = ctx;
    if (log->calls < 16) {
        log->va[log->calls] = va;
        log->pa[log->calls] = pa;
    }
    log->calls++;
}

/* Pages in different PTs, PDs, PDPTs and PML4 slots. */
static const vaddr_t spread[] = {
    0x0000000000001000ULL, 0x0000000000002000ULL, 0x0000000000200000ULL,
    0x0000000040000000ULL, 0x0000008000000000ULL, 0x00007ffffffff000ULL,
};
#define NSPREAD (sizeof(spread) / sizeof(spread[0]))

static void test_destroy_frees_every_table(void **state)
{
    struct mmu_space s;
    struct leaf_log log = {0};
    struct mmu_mapping m;
    (void)state;

    fake_setup(true, true);
    struct mmu_space *k = mmu_kernel_space();
    assert_int_equal(mmu_map(k, 0xffffc00000000000ULL, FRAME, MMU_PROT_READ), MMU_OK);
    struct fake_env_stats before = fake_env_stats();
    assert_int_equal(mmu_space_create(&s), MMU_OK);
    for (unsigned i = 0; i < NSPREAD; i++)
        assert_int_equal(mmu_map(&s, spread[i], FRAME + i * PAGE_SIZE, MMU_PROT_READ), MMU_OK);
    assert_int_equal(mmu_unmap(&s, spread[1], NULL, NULL), MMU_OK); /* leaves an entry empty */
    unsigned owned = s.tables;
    assert_int_equal(fake_env_stats().allocs - before.allocs, owned);

    mmu_space_destroy(&s, record_leaf, &log);
    assert_int_equal(s.tables, 0);
    assert_int_equal(fake_env_stats().frees - before.frees, owned);
    assert_int_equal(fake_env_stats().live, before.live);
    assert_int_equal(log.calls, NSPREAD - 1);
    for (unsigned i = 0, j = 0; i < NSPREAD; i++) {
        if (i == 1)
            continue;
        assert_int_equal(log.va[j], spread[i]);
        assert_int_equal(log.pa[j], FRAME + i * PAGE_SIZE);
        j++;
    }
    /* The shared kernel half survives. */
    assert_int_equal(mmu_query(k, 0xffffc00000000000ULL, &m), MMU_OK);
}

static void test_destroy_without_callback(void **state)
{
    struct mmu_space s;
    (void)state;

    fake_setup(false, false);
    struct fake_env_stats before = fake_env_stats();
    assert_int_equal(mmu_space_create(&s), MMU_OK);
    assert_int_equal(mmu_map(&s, spread[0], FRAME, MMU_PROT_READ), MMU_OK);
    mmu_space_destroy(&s, NULL, NULL);
    assert_int_equal(fake_env_stats().live, before.live);
    assert_int_equal(s.tables, 0);
}

static void test_destroy_current_switches_away(void **state)
{
    struct mmu_space s;
    (void)state;

    fake_setup(false, false);
    assert_int_equal(mmu_space_create(&s), MMU_OK);
    mmu_switch(&s);
    mmu_space_destroy(&s, NULL, NULL);
    assert_ptr_equal(mmu_current(), mmu_kernel_space());
    assert_int_equal(fake_hw.cr3, mmu_kernel_space()->root);
}

static void test_pcid_allocation_and_reuse(void **state)
{
    struct mmu_space a, b, c, d;
    (void)state;

    fake_setup(true, true);
    assert_int_equal(mmu_space_create(&a), MMU_OK);
    assert_int_equal(mmu_space_create(&b), MMU_OK);
    assert_int_equal(mmu_space_create(&c), MMU_OK);
    assert_int_equal(a.pcid, 1);
    assert_int_equal(b.pcid, 2);
    assert_int_equal(c.pcid, 3);
    mmu_space_destroy(&b, NULL, NULL);
    assert_int_equal(mmu_space_create(&d), MMU_OK);
    assert_int_equal(d.pcid, 2);
    /* The reused PCID may still tag the old space's entries. */
    assert_true(d.tlb_stale & 1);
    mmu_switch(&d);
    assert_int_equal(fake_hw.cr3, d.root | 2);
}

static void test_pcid_switch_keeps_tlb(void **state)
{
    struct mmu_space a;
    struct mmu_space *k = mmu_kernel_space();
    (void)state;

    fake_setup(true, true);
    assert_int_equal(mmu_space_create(&a), MMU_OK);
    mmu_switch(&a);
    assert_int_equal(fake_hw.cr3, a.root | a.pcid); /* first use flushes */
    assert_ptr_equal(mmu_current(), &a);
    mmu_switch(k);
    assert_int_equal(fake_hw.cr3, k->root); /* PCID 0 is always flushed */
    mmu_switch(&a);
    assert_int_equal(fake_hw.cr3, a.root | a.pcid | CR3_NOFLUSH);
}

static void test_pcid_stale_after_noncurrent_unmap(void **state)
{
    struct mmu_space a, b;
    (void)state;

    fake_setup(true, true);
    assert_int_equal(mmu_space_create(&a), MMU_OK);
    assert_int_equal(mmu_space_create(&b), MMU_OK);
    assert_int_equal(mmu_map(&a, spread[0], FRAME, MMU_PROT_READ), MMU_OK);
    mmu_switch(&a);
    mmu_switch(&b);
    unsigned invlpgs = fake_hw.invlpgs;
    assert_int_equal(mmu_unmap(&a, spread[0], NULL, NULL), MMU_OK);
    assert_int_equal(fake_hw.invlpgs, invlpgs);
    assert_true(a.tlb_stale & 1);
    mmu_switch(&a);
    assert_int_equal(fake_hw.cr3, a.root | a.pcid); /* no CR3_NOFLUSH: flushed */
    assert_false(a.tlb_stale & 1);
    mmu_switch(&b);
    mmu_switch(&a);
    assert_int_equal(fake_hw.cr3, a.root | a.pcid | CR3_NOFLUSH);
}

static void test_kernel_change_invalidates_in_user_space(void **state)
{
    struct mmu_space a;
    struct mmu_space *k = mmu_kernel_space();
    vaddr_t kva = 0xffffc00000000000ULL;
    (void)state;

    fake_setup(true, true);
    assert_int_equal(mmu_map(k, kva, FRAME, MMU_PROT_READ), MMU_OK);
    assert_int_equal(mmu_space_create(&a), MMU_OK);
    mmu_switch(&a);
    assert_int_equal(mmu_unmap(k, kva, NULL, NULL), MMU_OK);
    assert_true(fake_hw_invlpg_seen(kva));
    assert_false(k->tlb_stale & 1);
}

static void test_pcid_exhausted_falls_back_to_flush(void **state)
{
    static struct mmu_space spaces[MAX_PCID];
    static bool seen[MAX_PCID + 1];
    struct mmu_space extra;
    (void)state;

    fake_setup(true, true);
    for (unsigned i = 0; i <= MAX_PCID; i++)
        seen[i] = false;
    for (unsigned i = 0; i < MAX_PCID; i++) {
        assert_int_equal(mmu_space_create(&spaces[i]), MMU_OK);
        assert_true(spaces[i].pcid >= 1 && spaces[i].pcid <= MAX_PCID);
        assert_false(seen[spaces[i].pcid]);
        seen[spaces[i].pcid] = true;
    }
    assert_int_equal(mmu_space_create(&extra), MMU_OK);
    assert_int_equal(extra.pcid, 0);
    mmu_switch(&extra);
    assert_int_equal(fake_hw.cr3, extra.root);
    mmu_switch(&spaces[0]);
    mmu_switch(&extra);
    assert_int_equal(fake_hw.cr3, extra.root); /* never the no-flush bit */
    mmu_space_destroy(&spaces[7], NULL, NULL);
    assert_int_equal(mmu_space_create(&spaces[7]), MMU_OK);
    assert_int_equal(spaces[7].pcid, 8);
    mmu_space_destroy(&extra, NULL, NULL);
    for (unsigned i = 0; i < MAX_PCID; i++)
        mmu_space_destroy(&spaces[i], NULL, NULL);
}

static void test_no_pcid_switch_always_flushes(void **state)
{
    struct mmu_space a;
    (void)state;

    fake_setup(true, false); /* the CPU has PCIDs, the kernel said no */
    assert_int_equal(mmu_space_create(&a), MMU_OK);
    assert_int_equal(a.pcid, 0);
    assert_int_equal(mmu_map(&a, spread[0], FRAME, MMU_PROT_READ), MMU_OK);
    mmu_switch(&a);
    assert_int_equal(fake_hw.cr3, a.root);
    mmu_switch(mmu_kernel_space());
    assert_int_equal(mmu_unmap(&a, spread[0], NULL, NULL), MMU_OK);
    assert_int_equal(fake_hw.invlpgs, 0);
    assert_false(a.tlb_stale & 1);
    mmu_switch(&a);
    assert_int_equal(fake_hw.cr3, a.root);
    assert_int_equal(fake_hw.cr3_writes, 4); /* init, a, kernel, a */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_adopts_loader_tables),
        cmocka_unit_test(test_init_pcid_choice),
        cmocka_unit_test(test_init_out_of_memory_changes_nothing),
        cmocka_unit_test(test_create_shares_kernel_half),
        cmocka_unit_test(test_create_out_of_memory),
        cmocka_unit_test(test_destroy_frees_every_table),
        cmocka_unit_test(test_destroy_without_callback),
        cmocka_unit_test(test_destroy_current_switches_away),
        cmocka_unit_test(test_pcid_allocation_and_reuse),
        cmocka_unit_test(test_pcid_switch_keeps_tlb),
        cmocka_unit_test(test_pcid_stale_after_noncurrent_unmap),
        cmocka_unit_test(test_kernel_change_invalidates_in_user_space),
        cmocka_unit_test(test_pcid_exhausted_falls_back_to_flush),
        cmocka_unit_test(test_no_pcid_switch_always_flushes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
